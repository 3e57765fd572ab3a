package net.qoe.probe.tests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import net.qoe.kafka.message.Measurement;
import net.qoe.probe.config.TargetConfig;
import net.qoe.probe.config.TestSpec;

/**
 * System: the probe host's own load, so that a slow result can be told apart from a busy probe.
 * Reads only counters from /proc and /sys (never configuration, credentials or network names beyond
 * byte counts). Metrics: cpu_pct and iowait_pct (over a short sampling window), load1,
 * mem_total_bytes, mem_used_bytes, net_rx_bytes and net_tx_bytes (all interfaces but loopback,
 * counters since boot), temp_c (the hottest thermal zone, when the host has one).
 */
public final class SystemTest implements ProbeTest {

  public static final String NAME = TestSpec.SYSTEM;
  private static final Duration SAMPLE = Duration.ofMillis(250);

  private final Path proc;
  private final Path sys;

  public SystemTest() {
    this(Path.of("/proc"), Path.of("/sys"));
  }

  /** Reads from other roots (a container's bind mounts of the host's /proc and /sys). */
  public SystemTest(Path proc, Path sys) {
    this.proc = proc;
    this.sys = sys;
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
          try {
            long[] first = cpuTimes();
            long wait = Math.min(SAMPLE.toNanos(), deadline.remainingNanos() / 2);
            if (wait > 0) {
              Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000)); // the sampling window
            }
            long[] second = cpuTimes();
            cpu(first, second, m);
            memory(m);
            load(m);
            network(m);
            temperature(m);
          } catch (IOException | RuntimeException e) {
            throw new StageFailure(
                Stage.UNAVAILABLE, "cannot read system counters under " + proc + ": " + e);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw deadline.expired("system sampling");
          }
        });
  }

  /** The aggregate "cpu" line of /proc/stat: user nice system idle iowait irq softirq steal. */
  private long[] cpuTimes() throws IOException {
    for (String line : Files.readAllLines(proc.resolve("stat"))) {
      if (line.startsWith("cpu ")) {
        String[] f = line.trim().split("\\s+");
        long[] t = new long[Math.min(8, f.length - 1)];
        for (int i = 0; i < t.length; i++) {
          t[i] = Long.parseLong(f[i + 1]);
        }
        return t;
      }
    }
    throw new IOException("no cpu line in " + proc.resolve("stat"));
  }

  static void cpu(long[] a, long[] b, MeasurementBuilder m) {
    long total = 0;
    for (int i = 0; i < Math.min(a.length, b.length); i++) {
      total += b[i] - a[i];
    }
    long idle = b[3] - a[3];
    long iowait = b.length > 4 ? b[4] - a[4] : 0;
    if (total <= 0) {
      m.metric("cpu_pct", 0);
      m.metric("iowait_pct", 0);
      return;
    }
    m.metric("cpu_pct", round(100.0 * (total - idle - iowait) / total));
    m.metric("iowait_pct", round(100.0 * iowait / total));
  }

  private void memory(MeasurementBuilder m) throws IOException {
    long total = -1;
    long available = -1;
    for (String line : Files.readAllLines(proc.resolve("meminfo"))) {
      if (line.startsWith("MemTotal:")) {
        total = kib(line);
      } else if (line.startsWith("MemAvailable:")) {
        available = kib(line);
      }
    }
    if (total > 0 && available >= 0) {
      m.metric("mem_total_bytes", total * 1024.0);
      m.metric("mem_used_bytes", (total - available) * 1024.0);
    }
  }

  private static long kib(String line) {
    return Long.parseLong(line.split("\\s+")[1]);
  }

  private void load(MeasurementBuilder m) throws IOException {
    String[] f = Files.readString(proc.resolve("loadavg")).trim().split("\\s+");
    m.metric("load1", Double.parseDouble(f[0]));
  }

  private void network(MeasurementBuilder m) throws IOException {
    Path dev = proc.resolve("net/dev");
    if (!Files.isReadable(dev)) {
      return;
    }
    double rx = 0;
    double tx = 0;
    List<String> lines = Files.readAllLines(dev);
    for (String line : lines.subList(Math.min(2, lines.size()), lines.size())) {
      int colon = line.indexOf(':');
      if (colon < 0 || line.substring(0, colon).trim().equals("lo")) {
        continue;
      }
      String[] f = line.substring(colon + 1).trim().split("\\s+");
      rx += Double.parseDouble(f[0]);
      tx += Double.parseDouble(f[8]);
    }
    m.metric("net_rx_bytes", rx);
    m.metric("net_tx_bytes", tx);
  }

  private void temperature(MeasurementBuilder m) {
    Path thermal = sys.resolve("class/thermal");
    if (!Files.isDirectory(thermal)) {
      return;
    }
    double hottest = Double.NaN;
    try (Stream<Path> zones = Files.list(thermal)) {
      for (Path zone :
          zones.filter(z -> z.getFileName().toString().startsWith("thermal_zone")).toList()) {
        try {
          double c = Long.parseLong(Files.readString(zone.resolve("temp")).trim()) / 1000.0;
          hottest = Double.isNaN(hottest) ? c : Math.max(hottest, c);
        } catch (IOException | NumberFormatException e) {
          // A zone without a readable sensor: skip it.
        }
      }
    } catch (IOException e) {
      return;
    }
    if (!Double.isNaN(hottest)) {
      m.metric("temp_c", hottest);
    }
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }
}
