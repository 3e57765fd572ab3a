package net.qoe.probe.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;

/**
 * One test configured against a target: its type, schedule and options.
 *
 * <p>Options a test does not set are {@code null}; {@link ProbeConfig.Builder#build()} fills them
 * from the defaults, so in a built {@link ProbeConfig} the interval, the timeout and the options of
 * the test's type are always present. Options belong to one type (url → http, packets → udp); a
 * validated spec carries only the options of its own type.
 *
 * @param type the test type, one of {@link #TYPES}
 * @param intervalS seconds between runs
 * @param timeoutMs the whole run's budget; every phase is bounded by what remains of it
 * @param url http: the URL to fetch (defaults to http://host:port/ of the target)
 * @param expectStatus http: statuses that count as success; null means 200–399
 * @param insecureSkipVerify http: accept any server certificate (self-signed test servers)
 * @param port tcp, udp: the port, when it differs from the target's
 * @param packets udp: packets per run
 * @param packetIntervalMs udp: gap between two packets
 * @param replyTimeoutMs udp: how long to wait for replies after the last packet is sent
 */
public record TestSpec(
    String type,
    Double intervalS,
    Integer timeoutMs,
    String url,
    List<Integer> expectStatus,
    Boolean insecureSkipVerify,
    Integer port,
    Integer packets,
    Integer packetIntervalMs,
    Integer replyTimeoutMs) {

  public static final String HTTP = "http";
  public static final String TCP = "tcp";
  public static final String UDP = "udp";

  /** The test types a configuration may name. */
  public static final List<String> TYPES = List.of(HTTP, TCP, UDP);

  /** The options of each type, as named in YAML; interval_s and timeout_ms apply to all. */
  static final List<String> HTTP_OPTIONS = List.of("url", "expect_status", "insecure_skip_verify");

  static final List<String> TCP_OPTIONS = List.of("port");
  static final List<String> UDP_OPTIONS =
      List.of("port", "packets", "packet_interval_ms", "reply_timeout_ms");
  static final Set<String> COMMON_OPTIONS = Set.of("type", "interval_s", "timeout_ms");

  public static final int DEFAULT_PACKETS = 10;
  public static final int DEFAULT_PACKET_INTERVAL_MS = 20;
  public static final int DEFAULT_REPLY_TIMEOUT_MS = 1000;

  public TestSpec {
    // Nulls inside the list are kept so validation can point at them.
    expectStatus =
        expectStatus == null ? null : Collections.unmodifiableList(new ArrayList<>(expectStatus));
  }

  public static TestSpec ofType(String type) {
    return new TestSpec(type, null, null, null, null, null, null, null, null, null);
  }

  public static TestSpec http(String url) {
    return ofType(HTTP).withUrl(url);
  }

  public static TestSpec tcp() {
    return ofType(TCP);
  }

  public static TestSpec udp() {
    return ofType(UDP);
  }

  public Duration interval() {
    return Duration.ofNanos(Math.round(intervalS * 1e9));
  }

  public Duration timeout() {
    return Duration.ofMillis(timeoutMs);
  }

  /** Whether an HTTP status counts as success: the configured list, or 2xx/3xx. */
  public boolean expectsStatus(int status) {
    return expectStatus == null ? status >= 200 && status < 400 : expectStatus.contains(status);
  }

  public boolean skipsTlsVerification() {
    return Boolean.TRUE.equals(insecureSkipVerify);
  }

  public TestSpec withIntervalS(Double v) {
    return new TestSpec(
        type,
        v,
        timeoutMs,
        url,
        expectStatus,
        insecureSkipVerify,
        port,
        packets,
        packetIntervalMs,
        replyTimeoutMs);
  }

  public TestSpec withTimeoutMs(Integer v) {
    return new TestSpec(
        type,
        intervalS,
        v,
        url,
        expectStatus,
        insecureSkipVerify,
        port,
        packets,
        packetIntervalMs,
        replyTimeoutMs);
  }

  public TestSpec withUrl(String v) {
    return new TestSpec(
        type,
        intervalS,
        timeoutMs,
        v,
        expectStatus,
        insecureSkipVerify,
        port,
        packets,
        packetIntervalMs,
        replyTimeoutMs);
  }

  public TestSpec withExpectStatus(List<Integer> v) {
    return new TestSpec(
        type,
        intervalS,
        timeoutMs,
        url,
        v,
        insecureSkipVerify,
        port,
        packets,
        packetIntervalMs,
        replyTimeoutMs);
  }

  public TestSpec withInsecureSkipVerify(Boolean v) {
    return new TestSpec(
        type,
        intervalS,
        timeoutMs,
        url,
        expectStatus,
        v,
        port,
        packets,
        packetIntervalMs,
        replyTimeoutMs);
  }

  public TestSpec withPort(Integer v) {
    return new TestSpec(
        type,
        intervalS,
        timeoutMs,
        url,
        expectStatus,
        insecureSkipVerify,
        v,
        packets,
        packetIntervalMs,
        replyTimeoutMs);
  }

  public TestSpec withPackets(Integer v) {
    return new TestSpec(
        type,
        intervalS,
        timeoutMs,
        url,
        expectStatus,
        insecureSkipVerify,
        port,
        v,
        packetIntervalMs,
        replyTimeoutMs);
  }

  public TestSpec withPacketIntervalMs(Integer v) {
    return new TestSpec(
        type,
        intervalS,
        timeoutMs,
        url,
        expectStatus,
        insecureSkipVerify,
        port,
        packets,
        v,
        replyTimeoutMs);
  }

  public TestSpec withReplyTimeoutMs(Integer v) {
    return new TestSpec(
        type,
        intervalS,
        timeoutMs,
        url,
        expectStatus,
        insecureSkipVerify,
        port,
        packets,
        packetIntervalMs,
        v);
  }
}
