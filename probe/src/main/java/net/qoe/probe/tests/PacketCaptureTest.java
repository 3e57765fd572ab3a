package net.qoe.probe.tests;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.qoe.kafka.message.Measurement;
import net.qoe.probe.config.TargetConfig;
import net.qoe.probe.config.TestSpec;

/**
 * A short {@code tcpdump} of the traffic to and from the target, counted, not kept: the packets
 * captured and dropped by the kernel. Runs for the given time, or until the timeout. Without
 * tcpdump, or without the privilege to capture, the run fails at stage "unavailable".
 */
public final class PacketCaptureTest implements ProbeTest {

  public static final String NAME = "packet_capture";
  private static final Pattern CAPTURED = Pattern.compile("(\\d+) packets? captured");
  private static final Pattern DROPPED = Pattern.compile("(\\d+) packets? dropped by kernel");

  private final String tcpdump;
  private final long captureNanos;

  public PacketCaptureTest(String tcpdump, java.time.Duration capture) {
    this.tcpdump = tcpdump;
    this.captureNanos = capture.toNanos();
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
          long start = System.nanoTime();
          Process p;
          try {
            p =
                new ProcessBuilder(
                        List.of(
                            tcpdump,
                            "-n",
                            "-q",
                            "-i",
                            "any",
                            "-w",
                            "/dev/null",
                            "host",
                            target.host()))
                    .redirectErrorStream(true)
                    .start();
          } catch (IOException e) {
            throw new StageFailure(Stage.UNAVAILABLE, "tcpdump is not installed on this host");
          }
          try (InputStream out = p.getInputStream()) {
            long runFor = Math.min(captureNanos, deadline.remainingNanos() * 3 / 4);
            if (p.waitFor(runFor, TimeUnit.NANOSECONDS)) {
              String text = new String(out.readAllBytes(), StandardCharsets.UTF_8);
              throw new StageFailure(
                  Stage.UNAVAILABLE, "tcpdump stopped by itself: " + firstLine(text));
            }
            p.destroy(); // SIGTERM: tcpdump prints its counts and exits
            if (!p.waitFor(Math.max(1, deadline.remainingNanos()), TimeUnit.NANOSECONDS)) {
              p.destroyForcibly();
              throw deadline.expired("tcpdump");
            }
            String text = new String(out.readAllBytes(), StandardCharsets.UTF_8);
            m.elapsed("total_ms", start);
            m.metric("packets_captured", count(CAPTURED, text));
            m.metric("packets_dropped", count(DROPPED, text));
          } catch (IOException e) {
            throw new StageFailure(Stage.IO, "reading tcpdump: " + e.getMessage());
          } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw deadline.expired("tcpdump");
          }
        });
  }

  private static double count(Pattern pattern, String text) {
    Matcher matcher = pattern.matcher(text);
    return matcher.find() ? Double.parseDouble(matcher.group(1)) : 0;
  }

  private static String firstLine(String s) {
    String t = s.strip();
    int nl = t.indexOf('\n');
    return nl < 0 ? t : t.substring(0, nl);
  }
}
