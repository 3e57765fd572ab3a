package net.qoe.probe.tests;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.qoe.kafka.message.Measurement;
import net.qoe.kafka.serde.MessageSerde;
import net.qoe.probe.config.TargetConfig;
import net.qoe.probe.config.TestSpec;

/**
 * The path to the target through the system's {@code mtr --report --json} when installed, else
 * {@code traceroute -n}, parsed into hops. mtr runs as many of its cycles as the run's timeout
 * holds (one a second, then a second's grace), at most the configured number. Metrics: hops, cycles
 * (mtr), last_hop_ms, last_hop_loss_pct, and per hop hop_N_ms and hop_N_loss_pct (a hop that never
 * answered has loss 100 and no time). When mtr is installed but fails (its packet helper may lack
 * raw sockets), traceroute is tried. Without either tool the run fails at stage "unavailable"; when
 * the tools fail, at stage "io" with what the tool printed.
 */
public final class TracerouteTest implements ProbeTest {

  public static final String NAME = TestSpec.TRACEROUTE;

  /** One hop: its address (null when it did not answer), mean time (NaN when none), loss. */
  record Hop(int number, String address, double avgMs, double lossPct) {}

  private static final Pattern HOP_LINE = Pattern.compile("^\\s*(\\d+)\\s+(.*)$");
  private static final Pattern TIME = Pattern.compile("([0-9.]+)\\s*ms");
  private static final Pattern ADDRESS = Pattern.compile("^([0-9a-fA-F.:]+)\\s");

  /**
   * Seconds mtr waits for late replies after its last cycle (its own default is 5, which alone
   * would overrun a tier-1 run's 5 s budget).
   */
  static final int MTR_GRACE_S = 1;

  private final String mtr;
  private final String traceroute;
  private final int cycles;

  public TracerouteTest() {
    this("mtr", "traceroute");
  }

  /** With other executables (full paths, or stand-ins in tests). */
  public TracerouteTest(String mtr, String traceroute) {
    this(mtr, traceroute, 3);
  }

  /** {@code cycles} mtr report cycles (AutoPerf's full mtr runs 100). */
  public TracerouteTest(int cycles) {
    this("mtr", "traceroute", cycles);
  }

  public TracerouteTest(String mtr, String traceroute, int cycles) {
    if (cycles < 1) {
      throw new IllegalArgumentException("cycles must be at least 1: " + cycles);
    }
    this.mtr = mtr;
    this.traceroute = traceroute;
    this.cycles = cycles;
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
          List<Hop> hops;
          int fitted = fitCycles(cycles, deadline.remainingNanos() / 1_000_000);
          Output viaMtr =
              execute(
                  List.of(
                      mtr,
                      "--report",
                      "--json",
                      "-n",
                      "-c",
                      String.valueOf(fitted),
                      "--gracetime",
                      String.valueOf(MTR_GRACE_S),
                      target.host()),
                  deadline);
          if (viaMtr != null && viaMtr.exitCode() == 0) {
            hops = parseMtrJson(viaMtr.text());
            m.metric("cycles", fitted);
          } else {
            // mtr missing, or installed but failing (no raw sockets for its helper, say):
            // traceroute may still work
            Output viaTraceroute =
                execute(
                    List.of(traceroute, "-n", "-q", "3", "-w", "1", "-m", "30", target.host()),
                    deadline);
            if (viaTraceroute == null) {
              if (viaMtr != null) {
                throw failed(mtr, viaMtr);
              }
              throw new StageFailure(
                  Stage.UNAVAILABLE, "neither mtr nor traceroute is installed on this host");
            }
            hops = parseTraceroute(viaTraceroute.text());
            if (hops.isEmpty() && viaTraceroute.exitCode() != 0) {
              StageFailure failure = failed(traceroute, viaTraceroute);
              if (viaMtr != null) {
                failure =
                    new StageFailure(
                        Stage.IO, failed(mtr, viaMtr).getMessage() + "; " + failure.getMessage());
              }
              throw failure;
            }
          }
          m.elapsed("total_ms", start);
          record(hops, m);
          if (hops.isEmpty()) {
            throw new StageFailure(Stage.IO, "the path tool printed no hops");
          }
        });
  }

  /**
   * How many mtr cycles fit the run's budget: mtr sends a cycle a second (the least it allows
   * without root) and then waits {@link #MTR_GRACE_S} for late replies; a second more is kept for
   * starting it. Never fewer than one.
   */
  static int fitCycles(int cycles, long remainingMs) {
    long fit = (remainingMs - 1000L * (MTR_GRACE_S + 1)) / 1000;
    return (int) Math.max(1, Math.min(cycles, fit));
  }

  /** What a tool printed (stdout and stderr) and how it exited. */
  record Output(int exitCode, String text) {}

  private static StageFailure failed(String tool, Output output) {
    String text = output.text().strip();
    if (text.length() > 200) {
      text = text.substring(0, 200) + "…";
    }
    return new StageFailure(
        Stage.IO, tool + " exited with " + output.exitCode() + (text.isEmpty() ? "" : ": " + text));
  }

  /** The tool's output, or null when the tool cannot be started (not installed). */
  private static Output execute(List<String> cmd, Deadline deadline) throws StageFailure {
    Process process;
    try {
      process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    } catch (IOException e) {
      return null;
    }
    try (InputStream in = process.getInputStream()) {
      // The output (a few KB) fits the pipe's buffer, so waiting first cannot block the tool.
      if (!process.waitFor(deadline.remainingNanos(), TimeUnit.NANOSECONDS)) {
        process.destroyForcibly();
        throw deadline.expired(cmd.get(0));
      }
      return new Output(process.exitValue(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new StageFailure(Stage.IO, "reading " + cmd.get(0) + ": " + e.getMessage());
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw deadline.expired(cmd.get(0));
    }
  }

  static void record(List<Hop> hops, MeasurementBuilder m) {
    m.metric("hops", hops.size());
    for (Hop h : hops) {
      if (!Double.isNaN(h.avgMs())) {
        m.metric("hop_" + h.number() + "_ms", h.avgMs());
      }
      m.metric("hop_" + h.number() + "_loss_pct", h.lossPct());
    }
    if (!hops.isEmpty()) {
      Hop last = hops.get(hops.size() - 1);
      if (!Double.isNaN(last.avgMs())) {
        m.metric("last_hop_ms", last.avgMs());
      }
      m.metric("last_hop_loss_pct", last.lossPct());
    }
  }

  /** {@code traceroute -n} output: one line per hop, "*" for a probe without answer. */
  static List<Hop> parseTraceroute(String output) {
    List<Hop> hops = new ArrayList<>();
    for (String line : output.split("\\R")) {
      Matcher hop = HOP_LINE.matcher(line);
      if (!hop.matches()) {
        continue; // the "traceroute to …" header
      }
      String rest = hop.group(2).trim();
      int probes = 0;
      int answered = 0;
      double sum = 0;
      Matcher t = TIME.matcher(rest);
      while (t.find()) {
        answered++;
        sum += Double.parseDouble(t.group(1));
      }
      for (char c : rest.toCharArray()) {
        if (c == '*') {
          probes++;
        }
      }
      probes += answered;
      Matcher a = ADDRESS.matcher(rest + " ");
      String address = a.find() ? a.group(1) : null;
      hops.add(
          new Hop(
              Integer.parseInt(hop.group(1)),
              address,
              answered == 0 ? Double.NaN : sum / answered,
              probes == 0 ? 100 : 100.0 * (probes - answered) / probes));
    }
    return hops;
  }

  /** {@code mtr --report --json}: report.hubs[] with count, host, "Loss%" and "Avg". */
  static List<Hop> parseMtrJson(String json) throws StageFailure {
    JsonNode hubs;
    try {
      hubs = MessageSerde.MAPPER.readTree(json).path("report").path("hubs");
    } catch (IOException e) {
      throw new StageFailure(Stage.IO, "mtr printed no JSON report: " + e.getMessage());
    }
    List<Hop> hops = new ArrayList<>();
    for (JsonNode hub : hubs) {
      String host = hub.path("host").asText("???");
      double loss = hub.path("Loss%").asDouble(100);
      boolean silent = host.equals("???") || loss >= 100;
      hops.add(
          new Hop(
              hub.path("count").asInt(hops.size() + 1),
              silent ? null : host,
              silent ? Double.NaN : hub.path("Avg").asDouble(),
              loss));
    }
    return hops;
  }
}
