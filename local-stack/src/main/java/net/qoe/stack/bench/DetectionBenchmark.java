package net.qoe.stack.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import net.qoe.job.baseline.BaselinePolicy;
import net.qoe.job.baseline.ScoredWindow;
import net.qoe.job.baseline.SeriesBaselines;
import net.qoe.job.config.JobConfig;
import net.qoe.job.diagnosis.Diagnoser;
import net.qoe.job.diagnosis.Diagnosis;
import net.qoe.job.escalation.AutoPerfConfig;
import net.qoe.job.window.SeriesAccumulator;
import net.qoe.job.window.SeriesAggregate;
import net.qoe.kafka.message.Measurement;
import net.qoe.probe.config.ProbeConfig;
import net.qoe.probe.config.TestSpec;

/**
 * How well baselines and diagnosis find known faults. Simulates four weeks of 1-minute windows per
 * series, with daily and weekly seasonality and noise, injects faults with known start and end, and
 * runs every window through the job's own functions (the window accumulator, the baselines, the
 * diagnoser). Prints the share of faults detected within 2 windows and the delay, false alarms per
 * series-week on fault-free stretches, and the share labelled right.
 *
 * <p>Arguments: {@code --series-per-fault N --weeks W --runs-per-window R --packets-per-run P
 * --band B --seed S}; the band is the job's {@code --baseline-band}, by default its default. By
 * default a series runs as often as a probe's test by default ({@link
 * ProbeConfig#DEFAULT_INTERVAL_S}: two runs a minute) and a network run sends as many packets as
 * the probe's udp test by default ({@link TestSpec#DEFAULT_PACKETS}), so that the benchmark
 * measures the product as it ships.
 */
public final class DetectionBenchmark {

  enum Fault {
    LATENCY_X2(Set.of(Diagnosis.LATENCY, Diagnosis.CONGESTION)),
    LOSS_5PCT(Set.of(Diagnosis.LOSS)),
    JITTER_50MS(Set.of(Diagnosis.JITTER, Diagnosis.CONGESTION)),
    DNS_SLOWDOWN(Set.of(Diagnosis.DNS_BOUND)),
    SERVER_SLOWDOWN(Set.of(Diagnosis.SERVER_BOUND)),
    PATH_CHANGE(Set.of(Diagnosis.PATH_CHANGE));

    final Set<String> rightLabels;

    Fault(Set<String> rightLabels) {
      this.rightLabels = rightLabels;
    }

    boolean onHttp() {
      return this == DNS_SLOWDOWN || this == SERVER_SLOWDOWN;
    }
  }

  record Injected(Fault fault, int start, int end) {}

  static final long MINUTE = 60_000;
  static final long START = 1_767_571_200_000L; // Monday 2026-01-05 00:00 UTC
  static final int WARMUP_WINDOWS = 24 * 60; // faults start after the first day

  public static void main(String[] args) {
    Map<String, String> a = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      a.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    int perFault = Integer.parseInt(a.getOrDefault("series-per-fault", "8"));
    int weeks = Integer.parseInt(a.getOrDefault("weeks", "4"));
    int runs =
        Integer.parseInt(
            a.getOrDefault(
                "runs-per-window", Long.toString(Math.round(60 / ProbeConfig.DEFAULT_INTERVAL_S))));
    int packets =
        Integer.parseInt(
            a.getOrDefault("packets-per-run", Integer.toString(TestSpec.DEFAULT_PACKETS)));
    long seed = Long.parseLong(a.getOrDefault("seed", "7"));
    double band =
        Double.parseDouble(a.getOrDefault("band", JobConfig.Option.BASELINE_BAND.defaultValue));
    BaselinePolicy policy = BaselinePolicy.defaults().withBand(band);
    Diagnoser diagnoser =
        new Diagnoser(policy.anomalyScore(), AutoPerfConfig.defaults().sslExpiryDays());

    int windows = weeks * 7 * 24 * 60;
    Map<Fault, int[]> detected = new EnumMap<>(Fault.class);
    Map<Fault, int[]> total = new EnumMap<>(Fault.class);
    Map<Fault, int[]> labelled = new EnumMap<>(Fault.class);
    Map<Fault, List<Integer>> delays = new EnumMap<>(Fault.class);
    Map<String, Integer> wrongLabels = new HashMap<>();
    Map<String, Integer> falseAlarmCauses = new java.util.TreeMap<>();
    long falseAlarms = 0;
    double cleanSeriesWeeks = 0;
    long t0 = System.nanoTime();
    long windowCount = 0;

    int seriesIndex = 0;
    for (Fault fault : Fault.values()) {
      for (int s = 0; s < perFault; s++, seriesIndex++) {
        Random random = new Random(seed * 1000 + seriesIndex);
        Simulator sim = new Simulator(fault.onHttp(), random, "series-" + seriesIndex, packets);
        List<Injected> faults = schedule(fault, windows, random);
        SeriesBaselines.Baselines baselines = new SeriesBaselines.Baselines();
        String[] labels = new String[windows];
        String[] worst = new String[windows];
        boolean[] anomalous = new boolean[windows];
        for (int w = 0; w < windows; w++) {
          Fault active = activeAt(faults, w);
          SeriesAggregate agg = sim.window(w, runs, active);
          ScoredWindow scored = SeriesBaselines.score(baselines, agg, policy);
          String label = diagnoser.diagnose(scored).label();
          anomalous[w] = scored.anomalous() || !Diagnosis.NORMAL.equals(label);
          labels[w] = label;
          worst[w] = scored.worst();
          windowCount++;
        }
        for (Injected f : faults) {
          total.computeIfAbsent(fault, k -> new int[1])[0]++;
          int first = -1;
          for (int w = f.start; w < f.end; w++) {
            if (anomalous[w]) {
              first = w;
              break;
            }
          }
          if (first >= 0 && first - f.start < 2) {
            detected.computeIfAbsent(fault, k -> new int[1])[0]++;
            delays.computeIfAbsent(fault, k -> new ArrayList<>()).add(first - f.start);
          }
          String majority = majorityLabel(labels, anomalous, f.start, f.end);
          if (majority != null && fault.rightLabels.contains(majority)) {
            labelled.computeIfAbsent(fault, k -> new int[1])[0]++;
          } else {
            wrongLabels.merge(fault + "->" + majority, 1, Integer::sum);
          }
        }
        // false alarms: runs of anomalous windows outside faults (and their first 5 minutes after)
        int clean = 0;
        boolean inRun = false;
        for (int w = WARMUP_WINDOWS; w < windows; w++) {
          if (nearFault(faults, w)) {
            inRun = false;
            continue;
          }
          clean++;
          if (anomalous[w] && !inRun) {
            falseAlarms++;
            falseAlarmCauses.merge(
                (fault.onHttp() ? "http " : "net ") + labels[w] + "/" + worst[w], 1, Integer::sum);
          }
          inRun = anomalous[w];
        }
        cleanSeriesWeeks += clean / (7.0 * 24 * 60);
      }
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    System.out.printf(
        Locale.ROOT,
        "detection benchmark: %d series x %d weeks of 1-minute windows (%,d windows, %d runs each, %d packets per net run) in %.1f s%n",
        seriesIndex,
        weeks,
        windowCount,
        runs,
        packets,
        seconds);
    int allFaults = 0, allDetected = 0, allLabelled = 0;
    System.out.println("fault              faults  detected<=2w  mean delay  right label");
    for (Fault f : Fault.values()) {
      int n = total.getOrDefault(f, new int[1])[0];
      int d = detected.getOrDefault(f, new int[1])[0];
      int l = labelled.getOrDefault(f, new int[1])[0];
      double delay =
          delays.getOrDefault(f, List.of()).stream()
              .mapToInt(Integer::intValue)
              .average()
              .orElse(Double.NaN);
      allFaults += n;
      allDetected += d;
      allLabelled += l;
      System.out.printf(
          Locale.ROOT,
          "%-18s %6d  %10.1f %%  %7.2f w  %9.1f %%%n",
          f,
          n,
          100.0 * d / n,
          delay,
          100.0 * l / n);
    }
    System.out.printf(
        Locale.ROOT,
        "all: %d faults, %.1f %% detected within 2 windows, %.1f %% labelled right; false alarms %.2f per series-week (%d over %.1f clean series-weeks)%n",
        allFaults,
        100.0 * allDetected / allFaults,
        100.0 * allLabelled / allFaults,
        falseAlarms / cleanSeriesWeeks,
        falseAlarms,
        cleanSeriesWeeks);
    if (!falseAlarmCauses.isEmpty()) {
      System.out.println("false alarms by series kind, label/worst headline: " + falseAlarmCauses);
    }
    if (!wrongLabels.isEmpty()) {
      System.out.println("mislabelled (fault->label: count): " + wrongLabels);
    }
  }

  /** Faults of one kind at random times after the first day, 10 to 60 windows long, apart. */
  static List<Injected> schedule(Fault fault, int windows, Random random) {
    List<Injected> out = new ArrayList<>();
    int w = WARMUP_WINDOWS + random.nextInt(12 * 60);
    while (w + 60 < windows) {
      int length = 10 + random.nextInt(51);
      out.add(new Injected(fault, w, w + length));
      w += length + 6 * 60 + random.nextInt(18 * 60); // 6 to 24 hours apart
    }
    return out;
  }

  static Fault activeAt(List<Injected> faults, int w) {
    for (Injected f : faults) {
      if (w >= f.start && w < f.end) {
        return f.fault;
      }
    }
    return null;
  }

  static boolean nearFault(List<Injected> faults, int w) {
    for (Injected f : faults) {
      if (w >= f.start && w < f.end + 5) {
        return true;
      }
    }
    return false;
  }

  static String majorityLabel(String[] labels, boolean[] anomalous, int from, int to) {
    Map<String, Integer> counts = new HashMap<>();
    for (int w = from; w < to; w++) {
      if (anomalous[w] && !Diagnosis.NORMAL.equals(labels[w])) {
        counts.merge(labels[w], 1, Integer::sum);
      }
    }
    return counts.entrySet().stream()
        .max(Map.Entry.comparingByValue())
        .map(Map.Entry::getKey)
        .orElse(null);
  }

  /** One synthetic series: an HTTP target or a network path (UDP echo with hop count). */
  static final class Simulator {
    private final boolean http;
    private final Random r;
    private final String target;
    private final double base;
    private final int packets;
    private long event;

    Simulator(boolean http, Random r, String target, int packets) {
      this.http = http;
      this.r = r;
      this.target = target;
      this.packets = packets;
      this.base = http ? 30 + 40 * r.nextDouble() : 10 + 30 * r.nextDouble();
    }

    /** Daily and weekly shape: busier in the day, quieter at night and at weekends. */
    double season(long t) {
      double hourOfDay = (t / MINUTE % (24 * 60)) / 60.0;
      int dayOfWeek = (int) ((t / MINUTE / (24 * 60)) % 7); // 0 = Monday
      double daily = 1 + 0.35 * Math.max(0, Math.sin(Math.PI * (hourOfDay - 7) / 12));
      double weekly = dayOfWeek >= 5 ? 0.85 : 1.0;
      return daily * weekly;
    }

    SeriesAggregate window(int w, int runs, Fault fault) {
      long start = START + w * MINUTE;
      SeriesAccumulator acc = new SeriesAccumulator();
      for (int i = 0; i < runs; i++) {
        long ts = start + i * (MINUTE / runs);
        acc.add(http ? httpRun(ts, fault) : netRun(ts, fault));
      }
      return acc.toAggregate(start, start + MINUTE);
    }

    private Measurement httpRun(long ts, Fault fault) {
      double s = season(ts);
      double dns = 4 * noise(0.15) + (fault == Fault.DNS_SLOWDOWN ? 300 * noise(0.2) : 0);
      double connect = base * 0.05 * noise(0.1);
      double tls = base * 0.15 * noise(0.1);
      double ttfb = base * s * noise(0.12) * (fault == Fault.SERVER_SLOWDOWN ? 4 : 1);
      double transfer = 2 * noise(0.2);
      return new Measurement(
          1,
          target + "-" + event++,
          "probe-1",
          target,
          "http",
          1,
          ts,
          true,
          null,
          null,
          null,
          null,
          Map.of(
              "dns_ms",
              dns,
              "connect_ms",
              connect,
              "tls_ms",
              tls,
              "ttfb_ms",
              ttfb,
              "total_ms",
              dns + connect + tls + ttfb + transfer));
    }

    private Measurement netRun(long ts, Fault fault) {
      double s = season(ts);
      double level =
          base * s * (fault == Fault.LATENCY_X2 ? 2 : 1) + (fault == Fault.PATH_CHANGE ? 3 : 0);
      double jitter = fault == Fault.JITTER_50MS ? 50 : 0.6;
      double lossP = 0.002 + (fault == Fault.LOSS_5PCT ? 0.05 : 0);
      Double[] rtts = new Double[packets];
      int received = 0;
      for (int p = 0; p < rtts.length; p++) {
        if (r.nextDouble() < lossP) {
          rtts[p] = null;
        } else {
          rtts[p] = Math.max(0.1, level + Math.abs(r.nextGaussian()) * jitter);
          received++;
        }
      }
      double hops = fault == Fault.PATH_CHANGE ? 14 : 11;
      return new Measurement(
          1,
          target + "-" + event++,
          "probe-1",
          target,
          "udp",
          1,
          ts,
          received > 0,
          null,
          Arrays.asList(rtts),
          rtts.length,
          received,
          Map.of("hops", hops));
    }

    private double noise(double sigma) {
      return Math.exp(sigma * r.nextGaussian());
    }
  }
}
