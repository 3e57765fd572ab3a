package net.qoe.probe.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * @param url http: the URL to fetch (defaults to http://host:port/ of the target); postgres: the
 *     database's URL (defaults to jdbc:postgresql://host:port/postgres of the target)
 * @param expectStatus http: statuses that count as success; null means 200–399
 * @param insecureSkipVerify http: accept any server certificate (self-signed test servers)
 * @param port tcp, udp: the port, when it differs from the target's
 * @param packets udp: packets per run
 * @param packetIntervalMs udp: gap between two packets
 * @param replyTimeoutMs udp: how long to wait for replies after the last packet is sent
 * @param query dns: the name to look up (the target's host is the resolver)
 * @param recordType dns: A or AAAA
 * @param ports port_scan: the TCP ports to try
 * @param script script: the executable to run; it gets the target's host (or name) as its argument
 *     and prints one JSON object
 * @param threshold script: upper limits per metric; a metric above its limit fails the run
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
    Integer replyTimeoutMs,
    String query,
    String recordType,
    List<Integer> ports,
    String script,
    Map<String, Double> threshold) {

  public static final String HTTP = "http";
  public static final String TCP = "tcp";
  public static final String UDP = "udp";
  public static final String TLS = "tls";
  public static final String DNS = "dns";
  public static final String PORT_SCAN = "port_scan";
  public static final String SYSTEM = "system";
  public static final String PING = "ping";
  public static final String EXTENDED_PING = "extended_ping";
  public static final String SCRIPT = "script";
  public static final String TRACEROUTE = "traceroute";
  public static final String BANDWIDTH = "bandwidth";
  public static final int DEFAULT_BANDWIDTH_PORT = 2001;
  public static final String IPERF3 = "iperf3";
  public static final int DEFAULT_IPERF3_PORT = 5201;
  public static final String POSTGRES = "postgres";
  public static final int DEFAULT_POSTGRES_PORT = 5432;

  /** The test types a configuration may name. */
  public static final List<String> TYPES =
      List.of(
          HTTP,
          TCP,
          UDP,
          TLS,
          DNS,
          PORT_SCAN,
          SYSTEM,
          PING,
          EXTENDED_PING,
          SCRIPT,
          TRACEROUTE,
          BANDWIDTH,
          IPERF3,
          POSTGRES);

  /** The options of each type, as named in YAML; interval_s and timeout_ms apply to all. */
  static final List<String> HTTP_OPTIONS = List.of("url", "expect_status", "insecure_skip_verify");

  static final List<String> TCP_OPTIONS = List.of("port");
  static final List<String> UDP_OPTIONS =
      List.of("port", "packets", "packet_interval_ms", "reply_timeout_ms");
  static final List<String> TLS_OPTIONS = List.of("port");
  static final List<String> DNS_OPTIONS = List.of("port", "query", "record_type");
  static final List<String> PORT_SCAN_OPTIONS = List.of("ports");
  static final List<String> SYSTEM_OPTIONS = List.of();
  static final List<String> PING_OPTIONS = List.of("packets");
  static final List<String> SCRIPT_OPTIONS = List.of("script", "threshold");
  static final List<String> POSTGRES_OPTIONS = List.of("url");
  public static final int DEFAULT_PING_PACKETS = 5;
  public static final int DEFAULT_EXTENDED_PING_PACKETS = 50;
  static final Set<String> COMMON_OPTIONS = Set.of("type", "interval_s", "timeout_ms");

  /**
   * udp packets per run. Loss is counted in packets: at the default interval (two runs a minute)
   * and a base loss of a few per mille, fifty packets a run make a rise of 5 points about five lost
   * packets a minute instead of one, which the job's loss detector finds within two windows; sent
   * 20 ms apart they take one second of a run.
   */
  public static final int DEFAULT_PACKETS = 50;

  public static final int DEFAULT_PACKET_INTERVAL_MS = 20;
  public static final int DEFAULT_REPLY_TIMEOUT_MS = 1000;
  public static final int DEFAULT_TLS_PORT = 443;
  public static final int DEFAULT_DNS_PORT = 53;
  public static final String DEFAULT_RECORD_TYPE = "A";

  /** Ports a port scan tries when the test names none: common services. */
  public static final List<Integer> DEFAULT_SCAN_PORTS =
      List.of(21, 22, 23, 25, 53, 80, 110, 143, 443, 445, 993, 995, 3306, 3389, 5432, 6379, 8080);

  public TestSpec {
    // Nulls inside the list are kept so validation can point at them.
    expectStatus =
        expectStatus == null ? null : Collections.unmodifiableList(new ArrayList<>(expectStatus));
    ports = ports == null ? null : Collections.unmodifiableList(new ArrayList<>(ports));
    threshold =
        threshold == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(threshold));
  }

  /** A spec without the dns and port_scan options. */
  public TestSpec(
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
    this(
        type,
        intervalS,
        timeoutMs,
        url,
        expectStatus,
        insecureSkipVerify,
        port,
        packets,
        packetIntervalMs,
        replyTimeoutMs,
        null,
        null,
        null,
        null,
        null);
  }

  public TestSpec withScript(String v) {
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
        replyTimeoutMs,
        query,
        recordType,
        ports,
        v,
        threshold);
  }

  public TestSpec withThreshold(Map<String, Double> v) {
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
        replyTimeoutMs,
        query,
        recordType,
        ports,
        script,
        v);
  }

  public static TestSpec ofType(String type) {
    return new TestSpec(type, null, null, null, null, null, null, null, null, null);
  }

  public TestSpec withQuery(String v) {
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
        replyTimeoutMs,
        v,
        recordType,
        ports,
        script,
        threshold);
  }

  public TestSpec withRecordType(String v) {
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
        replyTimeoutMs,
        query,
        v,
        ports,
        script,
        threshold);
  }

  public TestSpec withPorts(List<Integer> v) {
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
        replyTimeoutMs,
        query,
        recordType,
        v,
        script,
        threshold);
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
        replyTimeoutMs,
        query,
        recordType,
        ports,
        script,
        threshold);
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
        replyTimeoutMs,
        query,
        recordType,
        ports,
        script,
        threshold);
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
        replyTimeoutMs,
        query,
        recordType,
        ports,
        script,
        threshold);
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
        replyTimeoutMs,
        query,
        recordType,
        ports,
        script,
        threshold);
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
        replyTimeoutMs,
        query,
        recordType,
        ports,
        script,
        threshold);
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
        replyTimeoutMs,
        query,
        recordType,
        ports,
        script,
        threshold);
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
        replyTimeoutMs,
        query,
        recordType,
        ports,
        script,
        threshold);
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
        replyTimeoutMs,
        query,
        recordType,
        ports,
        script,
        threshold);
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
        v,
        query,
        recordType,
        ports,
        script,
        threshold);
  }
}
