package net.qoe.probe.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import net.qoe.kafka.message.Measurement;
import net.qoe.probe.config.TargetConfig;
import net.qoe.probe.config.TestSpec;

/**
 * TCP throughput to an iperf3 server through the system's {@code iperf3 -c … -J}, parsed from its
 * JSON report. It sends for a set duration, or for half of the run's timeout (1–10 s). Metrics are
 * named as the bandwidth test's, so both feed the same panels and thresholds: throughput_mbps (what
 * the server received), sent_mbps, bytes, transfer_ms, retransmits; a bidirectional run adds
 * download_mbps and download_bytes (what came back from the server). Without iperf3 on the host the
 * run fails at stage "unavailable"; an error iperf3 reports (refused, busy server) fails at stage
 * "io" with its text.
 */
public final class Iperf3Test implements ProbeTest {

  public static final String NAME = TestSpec.IPERF3;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String executable;
  private final Duration sendFor;
  private final boolean bidirectional;

  public Iperf3Test() {
    this("iperf3");
  }

  /** With another executable (a full path, or a stand-in in tests). */
  public Iperf3Test(String executable) {
    this(executable, null);
  }

  /**
   * @param sendFor how long to send (whole seconds, at least 1), or null for half of the run's
   *     timeout, at most 10 s; the run's timeout must leave room for it
   */
  public Iperf3Test(String executable, Duration sendFor) {
    this(executable, sendFor, false);
  }

  /**
   * @param bidirectional send both ways at once ({@code --bidir}, iperf3 3.7 or later): also
   *     reports download_mbps and download_bytes, what the probe received from the server
   */
  public Iperf3Test(String executable, Duration sendFor, boolean bidirectional) {
    this.executable = executable;
    this.sendFor = sendFor;
    this.bidirectional = bidirectional;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Measurement run(TestContext ctx, TargetConfig target, TestSpec spec) {
    return ctx.measure(
        target.name(),
        NAME,
        m -> {
          Deadline deadline = Deadline.after(ctx.timeout());
          long seconds =
              sendFor != null
                  ? Math.max(1, Math.round(sendFor.toMillis() / 1000.0))
                  : Math.max(1, Math.min(10, ctx.timeout().toMillis() / 2000));
          int connectMs = Math.max(1, deadline.socketTimeoutMillis("iperf3 connect") / 2);
          List<String> cmd =
              new java.util.ArrayList<>(
                  List.of(
                      executable,
                      "-c",
                      target.host(),
                      "-p",
                      Integer.toString(spec.port()),
                      "-J",
                      "-t",
                      Long.toString(seconds),
                      "--connect-timeout",
                      Integer.toString(connectMs)));
          if (bidirectional) {
            cmd.add("--bidir");
          }
          long start = System.nanoTime();
          String out = execute(cmd, deadline);
          m.elapsed("total_ms", start);
          parse(out, m);
        });
  }

  /** Fills the metrics from iperf3's JSON report, or fails with the error it reports. */
  static void parse(String json, MeasurementBuilder m) throws StageFailure {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (IOException e) {
      throw new StageFailure(Stage.IO, "iperf3 printed no JSON report: " + abbreviate(json));
    }
    if (root == null || !root.isObject()) {
      throw new StageFailure(Stage.IO, "iperf3 printed no JSON report: " + abbreviate(json));
    }
    if (root.hasNonNull("error")) {
      throw new StageFailure(Stage.IO, "iperf3: " + root.get("error").asText());
    }
    JsonNode received = root.path("end").path("sum_received");
    JsonNode sent = root.path("end").path("sum_sent");
    if (!received.path("bits_per_second").isNumber()) {
      throw new StageFailure(Stage.IO, "iperf3's report has no end.sum_received");
    }
    m.metric("throughput_mbps", received.path("bits_per_second").asDouble() / 1e6);
    m.metric("bytes", received.path("bytes").asDouble());
    m.metric("transfer_ms", received.path("seconds").asDouble() * 1000);
    if (sent.path("bits_per_second").isNumber()) {
      m.metric("sent_mbps", sent.path("bits_per_second").asDouble() / 1e6);
    }
    if (sent.path("retransmits").isNumber()) {
      m.metric("retransmits", sent.path("retransmits").asDouble());
    }
    JsonNode download = root.path("end").path("sum_received_bidir_reverse");
    if (download.path("bits_per_second").isNumber()) {
      m.metric("download_mbps", download.path("bits_per_second").asDouble() / 1e6);
      m.metric("download_bytes", download.path("bytes").asDouble());
    }
  }

  private static String execute(List<String> cmd, Deadline deadline) throws StageFailure {
    Process process;
    try {
      process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new StageFailure(Stage.UNAVAILABLE, "iperf3 is not installed on this host");
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Thread reader =
        new Thread(
            () -> {
              try (InputStream in = process.getInputStream()) {
                in.transferTo(out);
              } catch (IOException e) {
                // The process was killed; what was read so far is kept.
              }
            },
            "iperf3-output");
    reader.setDaemon(true);
    reader.start();
    try {
      if (!process.waitFor(deadline.remainingNanos(), TimeUnit.NANOSECONDS)) {
        process.destroyForcibly();
        throw deadline.expired("iperf3");
      }
      reader.join(TimeUnit.SECONDS.toMillis(1));
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new StageFailure(Stage.INTERNAL, "interrupted while iperf3 ran");
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static String abbreviate(String s) {
    String t = s.strip();
    return t.length() <= 200 ? t : t.substring(0, 200) + "…";
  }
}
