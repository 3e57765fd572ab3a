package net.qoe.probe.tests;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.qoe.kafka.message.Measurement;
import net.qoe.probe.config.TargetConfig;
import net.qoe.probe.config.TestSpec;

/**
 * ICMP ping through the system's {@code ping} (iputils), several packets 0.2 s apart, parsed into
 * per-packet rtt_ms (null for a lost packet), sent/received, loss_pct, rtt_avg/min/max_ms and RFC
 * 3550 jitter_ms. The JVM cannot send ICMP itself without privileges, the system tool can. When
 * {@code ping} is missing or not permitted the run fails at stage "unavailable", saying which.
 * Registered twice: "ping" (a few packets, tier 1) and "extended_ping" (many, deeper tiers).
 */
public final class PingTest implements ProbeTest {

  public static final String PING = TestSpec.PING;
  public static final String EXTENDED_PING = TestSpec.EXTENDED_PING;

  private static final Pattern REPLY =
      Pattern.compile("icmp_seq=(\\d+)\\s.*?time[=<]([0-9.]+)\\s*ms");
  private static final Pattern TRANSMITTED = Pattern.compile("(\\d+) packets transmitted");

  private final String name;
  private final String command;

  public PingTest(String name) {
    this(name, "ping");
  }

  /** With another ping executable (a full path, or a stand-in in tests). */
  public PingTest(String name, String command) {
    this.name = name;
    this.command = command;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Measurement run(TestContext ctx, TargetConfig target, TestSpec spec) {
    return ctx.measure(
        target.name(),
        name,
        m -> {
          Deadline deadline = Deadline.after(ctx.timeout());
          int count = spec.packets();
          long waitS = Math.max(1, deadline.remainingNanos() / 1_000_000_000L);
          List<String> cmd =
              List.of(
                  command,
                  "-n",
                  "-c",
                  Integer.toString(count),
                  "-i",
                  "0.2",
                  "-W",
                  "1",
                  "-w",
                  Long.toString(waitS),
                  target.host());
          String output = execute(cmd, deadline);
          List<Double> rtts = parse(output, count);
          record(rtts, m);
          if (rtts.stream().allMatch(r -> r == null)) {
            String lower = output.toLowerCase(Locale.ROOT);
            if (lower.contains("not permitted") || lower.contains("permission denied")) {
              throw new StageFailure(
                  Stage.UNAVAILABLE, "ping is not permitted on this host: " + firstLine(output));
            }
            if (lower.contains("unknown host") || lower.contains("name or service not known")) {
              throw new StageFailure(Stage.DNS, "ping: " + firstLine(output));
            }
            throw new StageFailure(
                Stage.TIMEOUT, "no echo reply from " + target.host() + " to " + count + " pings");
          }
        });
  }

  private String execute(List<String> cmd, Deadline deadline) throws StageFailure {
    Process process;
    try {
      process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new StageFailure(
          Stage.UNAVAILABLE, "ping is not installed (" + command + ": " + e.getMessage() + ")");
    }
    try (InputStream in = process.getInputStream()) {
      // ping stops itself at -w; the extra second covers process start and exit.
      if (!process.waitFor(deadline.remainingNanos() + 1_000_000_000L, TimeUnit.NANOSECONDS)) {
        process.destroyForcibly();
        throw deadline.expired("ping");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new StageFailure(Stage.IO, "reading ping's output: " + e.getMessage());
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw deadline.expired("ping");
    }
  }

  /**
   * Per-packet RTTs from iputils ping output, in sequence order, null for a packet without reply.
   * The number sent is the "N packets transmitted" of the summary, else {@code count}.
   */
  static List<Double> parse(String output, int count) {
    int sent = count;
    Matcher t = TRANSMITTED.matcher(output);
    if (t.find()) {
      sent = Integer.parseInt(t.group(1));
    }
    Double[] rtts = new Double[sent];
    for (String line : output.split("\\R")) {
      Matcher r = REPLY.matcher(line);
      if (r.find()) {
        int seq = Integer.parseInt(r.group(1));
        if (seq >= 1 && seq <= sent && rtts[seq - 1] == null) {
          rtts[seq - 1] = Double.parseDouble(r.group(2));
        }
      }
    }
    return new ArrayList<>(Arrays.asList(rtts));
  }

  static void record(List<Double> rtts, MeasurementBuilder m) {
    RttSummary summary = RttSummary.of(rtts);
    m.packets(rtts, summary.sent(), summary.received());
    if (summary.sent() > 0) {
      m.metric("loss_pct", summary.lossPct());
    }
    if (summary.received() > 0) {
      m.metric("rtt_avg_ms", summary.avgMs());
      m.metric("rtt_min_ms", summary.minMs());
      m.metric("rtt_max_ms", summary.maxMs());
    }
    if (summary.received() > 1) {
      m.metric("jitter_ms", summary.jitterMs());
    }
  }

  private static String firstLine(String s) {
    String trimmed = s.strip();
    int nl = trimmed.indexOf('\n');
    return nl < 0 ? trimmed : trimmed.substring(0, nl);
  }
}
