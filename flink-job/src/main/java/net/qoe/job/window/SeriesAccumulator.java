package net.qoe.job.window;

import com.datadoghq.sketch.ddsketch.DDSketch;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.qoe.job.ingest.MeasurementValidator;
import net.qoe.kafka.message.Measurement;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * The running state of one series (probe, target, test) in one window: counts, errors by stage,
 * packets sent and received, one DDSketch per metric with its exact count/min/max/sum, the RFC 3550
 * jitter estimator over the packet RTT sequence and a sketch of |IPDV|. Constant work per
 * measurement, and everything but J merges exactly (see {@link JitterTracker#merge}), so coarser
 * windows can be built from finer ones without the raw measurements ({@link #of(SeriesAggregate)}).
 *
 * <p>What goes into a sketch: finite values only, and for durations (names ending in {@code _ms},
 * which includes {@value #RTT} and {@value #IPDV}) non-negative ones. Other metrics may be negative
 * ({@code cert_days_left} of an expired certificate), which DDSketch keeps in a mirrored store at
 * the same relative accuracy. Anything else is counted per metric in {@link #rejectedByMetric()}
 * and left out; rejecting whole measurements is the validator's job, this is the last line.
 *
 * <p>Mutable and not thread-safe, like every Flink accumulator. Flink stores it with {@link
 * SeriesAccumulatorSerializer} (bound by {@link TypeInfo}), never Kryo.
 */
@TypeInfo(SeriesAccumulatorTypeInfoFactory.class)
public final class SeriesAccumulator {

  /** Metric name under which per-packet round-trip times are kept. */
  public static final String RTT = "rtt_ms";

  /** Metric name of |D|, the absolute IP packet delay variation between consecutive packets. */
  public static final String IPDV = "ipdv_ms";

  /**
   * Metric name of the population standard deviation of every RTT of the window, derived from the
   * exact moments of {@value #RTT} (one row: count = the RTT count, every statistic = σ).
   */
  public static final String RTT_STDDEV = "rtt_stddev_ms";

  /**
   * Metric name of |D| between consecutive runs of the series: the difference of their mean RTTs, a
   * jitter across runs (test intervals) where {@value #IPDV} is the jitter within a run (send
   * intervals). Pairs are formed in the order the runs arrive, only forward in event time, and not
   * across two merged accumulators (like J, see {@link JitterTracker#merge}).
   */
  public static final String RUN_IPDV = "run_ipdv_ms";

  String probeId;
  String target;
  String test;
  long count;
  long okCount;
  int maxTier;
  long packetsSent;
  long packetsReceived;
  final Map<String, Long> errorsByStage = new TreeMap<>();
  final Map<String, Long> rejectedByMetric = new TreeMap<>();
  // looked up for every value added; hashed, since its order only matters in the aggregate
  final Map<String, MetricAccumulator> metrics = new HashMap<>();
  JitterTracker jitter = new JitterTracker();
  // The mean RTT and event time of the last run with a received packet; NaN before one.
  double previousRunRtt = Double.NaN;
  long previousRunTs;

  public SeriesAccumulator() {}

  /**
   * An accumulator holding a finished window's result, for rollups: an hour is the merge of its
   * sixty 1-minute aggregates. Counts, extremes and sketches are exact; the sum comes back as mean
   * × count (exact to a few ulps); J and its sample count are carried as they are. Per-metric
   * rejected counts are not part of an aggregate and start at 0.
   */
  public static SeriesAccumulator of(SeriesAggregate a) {
    SeriesAccumulator acc = new SeriesAccumulator();
    acc.probeId = a.probeId();
    acc.target = a.target();
    acc.test = a.test();
    acc.count = a.count();
    acc.okCount = a.okCount();
    acc.maxTier = a.maxTier();
    acc.packetsSent = a.packetsSent();
    acc.packetsReceived = a.packetsReceived();
    acc.errorsByStage.putAll(a.errorsByStage());
    for (Map.Entry<String, MetricSummary> e : a.metrics().entrySet()) {
      if (e.getKey().equals(RTT_STDDEV)) {
        continue; // derived, restored into the RTT moments below
      }
      MetricSummary s = e.getValue();
      MetricAccumulator m = new MetricAccumulator();
      try {
        m.restore(s.decodeSketch());
      } catch (IOException ex) {
        throw new UncheckedIOException("the sketch of " + e.getKey() + " does not decode", ex);
      }
      m.count = s.count();
      m.min = s.min();
      m.max = s.max();
      m.sum = s.mean() * s.count();
      m.m2 = Double.NaN; // not part of an aggregate; σ of the RTTs is restored below
      acc.metrics.put(e.getKey(), m);
    }
    MetricAccumulator rtt = acc.metrics.get(RTT);
    MetricSummary sd = a.metrics().get(RTT_STDDEV);
    if (rtt != null) {
      // Σ(v − mean)² = n·σ²; without a σ (an older aggregate) it is unknown
      rtt.m2 = sd == null ? Double.NaN : rtt.count * sd.mean() * sd.mean();
    }
    acc.jitter =
        a.jitterMs() == null
            ? new JitterTracker()
            : JitterTracker.of(a.jitterMs(), a.jitterSamples());
    return acc;
  }

  /** Adds one measurement (one run of the test). */
  public void add(Measurement m) {
    if (probeId == null) {
      probeId = m.probeId();
      target = m.target();
      test = m.test();
    }
    count++;
    maxTier = Math.max(maxTier, m.tier());
    if (m.ok()) {
      okCount++;
    } else {
      String stage = m.error() == null || m.error().stage() == null ? "unknown" : m.error().stage();
      errorsByStage.merge(stage, 1L, Long::sum);
    }
    // A run that failed in a later stage still carries the timings of the stages that worked.
    // forEach, not the entry set: a walk over the map's arrays, with no entry object per metric
    m.metrics().forEach(this::observe);
    addPackets(m);
  }

  private void addPackets(Measurement m) {
    List<Double> rtts = m.rttMs();
    // sent/received are authoritative; a test that only lists RTTs counts its entries.
    if (m.sent() != null) {
      packetsSent += m.sent();
    } else if (rtts != null) {
      packetsSent += rtts.size();
    }
    if (m.received() != null) {
      packetsReceived += m.received();
    } else if (rtts != null) {
      packetsReceived += rtts.stream().filter(r -> r != null).count();
    }
    if (rtts == null) {
      return;
    }
    jitter.startRun();
    double runSum = 0;
    int runReceived = 0;
    // looked up once per run, created on the first value like any other metric
    MetricAccumulator rttMetric = null;
    MetricAccumulator ipdvMetric = null;
    for (Double rtt : rtts) {
      if (rtt == null) {
        jitter.observe(null); // lost: the next received packet pairs with the last one received
        continue;
      }
      if (!accepts(RTT, rtt)) {
        reject(RTT);
        jitter.observe(null); // an RTT we cannot use is treated like a loss
        continue;
      }
      if (rttMetric == null) {
        rttMetric = metric(RTT);
      }
      rttMetric.add(rtt);
      runSum += rtt;
      runReceived++;
      double ipdv = jitter.observe(rtt);
      if (!Double.isNaN(ipdv)) {
        if (ipdvMetric == null) {
          ipdvMetric = metric(IPDV);
        }
        ipdvMetric.add(ipdv);
      }
    }
    if (runReceived > 0) {
      observeRun(runSum / runReceived, m.tsMs());
    }
  }

  /** Pairs a run's mean RTT with the previous run's, when it is later in event time. */
  private void observeRun(double meanRtt, long tsMs) {
    if (Double.isNaN(previousRunRtt)) {
      previousRunRtt = meanRtt;
      previousRunTs = tsMs;
    } else if (tsMs > previousRunTs) {
      metric(RUN_IPDV).add(Math.abs(meanRtt - previousRunRtt));
      previousRunRtt = meanRtt;
      previousRunTs = tsMs;
    }
    // an earlier run arriving late pairs with nothing: its neighbours have already been paired
  }

  private void observe(String name, Double value) {
    if (value == null || !accepts(name, value)) {
      reject(name);
      return;
    }
    metric(name).add(value);
  }

  /**
   * Finite, within what the validator lets through ({@link MeasurementValidator#MAX_ABS_VALUE}: a
   * larger value would make the sketch throw when the window fires), and not negative when the
   * metric is a duration.
   */
  static boolean accepts(String metric, double value) {
    return Double.isFinite(value)
        && Math.abs(value) <= MeasurementValidator.MAX_ABS_VALUE
        && (value >= 0 || !metric.endsWith("_ms"));
  }

  private void reject(String name) {
    rejectedByMetric.merge(name, 1L, Long::sum);
  }

  private MetricAccumulator metric(String name) {
    MetricAccumulator m = metrics.get(name);
    if (m == null) {
      m = new MetricAccumulator();
      metrics.put(name, m);
    }
    return m;
  }

  /** Adds everything {@code other} holds; {@code other} is left as it was. */
  public void merge(SeriesAccumulator other) {
    if (probeId == null) {
      probeId = other.probeId;
      target = other.target;
      test = other.test;
    }
    count += other.count;
    okCount += other.okCount;
    maxTier = Math.max(maxTier, other.maxTier);
    packetsSent += other.packetsSent;
    packetsReceived += other.packetsReceived;
    other.errorsByStage.forEach((k, v) -> errorsByStage.merge(k, v, Long::sum));
    other.rejectedByMetric.forEach((k, v) -> rejectedByMetric.merge(k, v, Long::sum));
    other.metrics.forEach((k, v) -> metric(k).merge(v));
    jitter.merge(other.jitter);
    previousRunRtt = Double.NaN; // between runs, like J
    previousRunTs = 0;
  }

  /** The result for the window [{@code windowStartMs}, {@code windowEndMs}). */
  public SeriesAggregate toAggregate(long windowStartMs, long windowEndMs) {
    Map<String, MetricSummary> summaries = new TreeMap<>();
    metrics.forEach((k, v) -> summaries.put(k, v.summary()));
    MetricAccumulator rtt = metrics.get(RTT);
    if (rtt != null && rtt.count > 0 && !Double.isNaN(rtt.m2)) {
      summaries.put(RTT_STDDEV, MetricAccumulator.single(rtt.stddev(), rtt.count));
    }
    Double loss =
        packetsSent > 0 ? 100.0 * Math.max(0, packetsSent - packetsReceived) / packetsSent : null;
    return new SeriesAggregate(
        probeId,
        target,
        test,
        windowStartMs,
        windowEndMs,
        count,
        okCount,
        errorsByStage,
        packetsSent,
        packetsReceived,
        loss,
        jitter.samples() > 0 ? jitter.jitter() : null,
        jitter.samples(),
        Math.max(1, maxTier),
        summaries);
  }

  /** A deep copy: nothing is shared with this accumulator. */
  public SeriesAccumulator copy() {
    SeriesAccumulator c = new SeriesAccumulator();
    c.probeId = probeId;
    c.target = target;
    c.test = test;
    c.count = count;
    c.okCount = okCount;
    c.maxTier = maxTier;
    c.packetsSent = packetsSent;
    c.packetsReceived = packetsReceived;
    c.errorsByStage.putAll(errorsByStage);
    c.rejectedByMetric.putAll(rejectedByMetric);
    metrics.forEach((k, v) -> c.metrics.put(k, v.copy()));
    c.jitter = jitter.copy();
    c.previousRunRtt = previousRunRtt;
    c.previousRunTs = previousRunTs;
    return c;
  }

  public long count() {
    return count;
  }

  /** Values left out of the sketches, per metric name (see the class comment for the rule). */
  public Map<String, Long> rejectedByMetric() {
    return Collections.unmodifiableMap(rejectedByMetric);
  }

  /** All values left out of the sketches. */
  public long rejectedValues() {
    return rejectedByMetric.values().stream().mapToLong(Long::longValue).sum();
  }

  @Override
  public String toString() {
    return "SeriesAccumulator["
        + probeId
        + "|"
        + target
        + "|"
        + test
        + " n="
        + count
        + " ok="
        + okCount
        + " metrics="
        + new TreeMap<>(metrics).keySet()
        + "]";
  }

  /**
   * One metric's sketch and exact moments.
   *
   * <p>Values wait in a small array and go into the sketch in bulk: when it is asked for (the
   * window fires, a merge or copy), or {@value #PENDING_MAX} at a time. Adding to a sketch touches
   * the sketch, its store and its bins, three objects apart in memory; with thousands of windows
   * open each add was waiting on memory, about a fifth of the keyed task. The sketch comes out the
   * same: its bins are counts, whatever the order the values arrive in.
   */
  static final class MetricAccumulator {
    static final int PENDING_MAX = 64;

    /** Null until a value is flushed into it or it is restored. */
    private DDSketch sketch;

    /** Values not in the sketch yet: the first {@code pendingCount}. */
    private double[] pending;

    private int pendingCount;
    long count;
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    double sum;
    // Σ(v − mean)², kept with Welford's update so that σ needs no second pass; NaN when unknown
    // (restored from state or an aggregate written before it was kept)
    double m2;

    /**
     * Set when restored from state: with RocksDB every measurement reads its window from state and
     * writes it back, and the values would only go through the pending array to be copied into a
     * sketch for writing. Such an accumulator adds to its sketch straight away.
     */
    private boolean addDirectly;

    void add(double v) {
      double before = count == 0 ? 0 : sum / count;
      if (addDirectly) {
        sketch.accept(v);
      } else {
        addPending(v);
      }
      count++;
      min = Math.min(min, v);
      max = Math.max(max, v);
      sum += v;
      m2 += (v - before) * (v - sum / count);
    }

    private void addPending(double v) {
      if (pending == null) {
        pending = new double[4];
      } else if (pendingCount == pending.length) {
        if (pending.length < PENDING_MAX) {
          pending = Arrays.copyOf(pending, pending.length * 2);
        } else {
          flush();
        }
      }
      pending[pendingCount++] = v;
    }

    /** The sketch of every value added, the pending ones now included. */
    DDSketch sketch() {
      flush();
      return sketch;
    }

    /**
     * For state: the sketch of every value added, leaving this accumulator as it is. A snapshot of
     * the heap backend writes state on another thread, so writing must not change it; and a sketch
     * is far smaller than the values it stands for.
     */
    DDSketch sketchForState() {
      if (pendingCount == 0 && sketch != null) {
        return sketch;
      }
      DDSketch s = sketch == null ? Sketches.create() : sketch.copy();
      addPendingTo(s);
      return s;
    }

    /** For restoring: the sketch of every value so far, none pending. */
    void restore(DDSketch restored) {
      sketch = restored;
      pendingCount = 0;
      addDirectly = true;
    }

    private void flush() {
      if (sketch == null) {
        sketch = Sketches.create();
      }
      addPendingTo(sketch);
      pendingCount = 0;
    }

    /** Adds the pending values to {@code into}; they stay pending here. */
    private void addPendingTo(DDSketch into) {
      for (int i = 0; i < pendingCount; i++) {
        into.accept(pending[i]);
      }
    }

    void merge(MetricAccumulator o) {
      if (o.count > 0 && count > 0) {
        double delta = o.sum / o.count - sum / count;
        m2 += o.m2 + delta * delta * count * o.count / (count + o.count);
      } else if (o.count > 0) {
        m2 = o.m2;
      }
      DDSketch into = sketch();
      if (o.sketch != null) {
        into.mergeWith(o.sketch);
      }
      o.addPendingTo(into);
      count += o.count;
      min = Math.min(min, o.min);
      max = Math.max(max, o.max);
      sum += o.sum;
    }

    /** The population standard deviation: sqrt(Σ(v − mean)² / n). */
    double stddev() {
      return Math.sqrt(Math.max(0, m2) / count);
    }

    /** A summary of one derived value standing for {@code count} samples. */
    static MetricSummary single(double value, long count) {
      DDSketch s = Sketches.create();
      s.accept(value);
      return MetricSummary.fromSketch(s, count, value, value, value * count);
    }

    MetricAccumulator copy() {
      MetricAccumulator c = new MetricAccumulator();
      c.sketch = sketch == null ? null : sketch.copy();
      c.pending = pending == null ? null : Arrays.copyOf(pending, Math.max(4, pendingCount));
      c.pendingCount = pendingCount;
      c.addDirectly = addDirectly;
      c.count = count;
      c.min = min;
      c.max = max;
      c.sum = sum;
      c.m2 = m2;
      return c;
    }

    MetricSummary summary() {
      return MetricSummary.fromSketch(sketch(), count, min, max, sum);
    }
  }
}
