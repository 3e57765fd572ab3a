package net.qoe.job.rollup;

import com.datadoghq.sketch.ddsketch.DDSketch;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.qoe.job.window.MetricSummary;
import net.qoe.job.window.SeriesAccumulator;
import net.qoe.job.window.SeriesAggregate;
import net.qoe.job.window.Sketches;

/**
 * Merges finished aggregates of one series into the aggregate of a coarser window, without the raw
 * measurements: counts, errors and packets add, loss is recomputed from the packet totals, extremes
 * are the extremes, means are count-weighted, sketches merge exactly (DDSketch bins add), so the
 * percentiles are those of a sketch fed every value directly. J is not decomposable: the result is
 * the sample-weighted mean of the parts' estimates, as {@code JitterTracker#merge} does.
 */
public final class Rollups {

  private Rollups() {}

  public static SeriesAggregate merge(Collection<SeriesAggregate> parts, long startMs, long endMs) {
    if (parts.isEmpty()) {
      throw new IllegalArgumentException("nothing to merge");
    }
    SeriesAggregate first = parts.iterator().next();
    long count = 0;
    long ok = 0;
    long sent = 0;
    long received = 0;
    long jitterSamples = 0;
    double jitterWeighted = 0;
    int maxTier = 1;
    Map<String, Long> errors = new TreeMap<>();
    Map<String, List<MetricSummary>> metrics = new TreeMap<>();
    for (SeriesAggregate a : parts) {
      count += a.count();
      ok += a.okCount();
      sent += a.packetsSent();
      received += a.packetsReceived();
      maxTier = Math.max(maxTier, a.maxTier());
      a.errorsByStage().forEach((stage, n) -> errors.merge(stage, n, Long::sum));
      if (a.jitterMs() != null && a.jitterSamples() > 0) {
        jitterSamples += a.jitterSamples();
        jitterWeighted += a.jitterMs() * a.jitterSamples();
      }
      a.metrics()
          .forEach((name, m) -> metrics.computeIfAbsent(name, k -> new ArrayList<>()).add(m));
    }
    Map<String, MetricSummary> merged = new TreeMap<>();
    metrics.forEach(
        (name, summaries) -> {
          if (!name.equals(SeriesAccumulator.RTT_STDDEV)) {
            merged.put(name, mergeMetric(summaries));
          }
        });
    MetricSummary pooled = pooledRttStddev(parts, merged.get(SeriesAccumulator.RTT));
    if (pooled != null) {
      merged.put(SeriesAccumulator.RTT_STDDEV, pooled);
    }
    return new SeriesAggregate(
        first.probeId(),
        first.target(),
        first.test(),
        startMs,
        endMs,
        count,
        ok,
        errors,
        sent,
        received,
        sent > 0 ? 100.0 * Math.max(0, sent - received) / sent : null,
        jitterSamples > 0 ? jitterWeighted / jitterSamples : null,
        jitterSamples,
        maxTier,
        merged);
  }

  /**
   * σ of the RTTs of all parts from each part's count, mean and σ: Σ n·(σ² + mean²) / N − mean² (to
   * rounding). Null when a part with RTTs has no σ (then the pooled one is unknown).
   */
  static MetricSummary pooledRttStddev(Iterable<SeriesAggregate> parts, MetricSummary rtt) {
    if (rtt == null || rtt.count() == 0) {
      return null;
    }
    double squares = 0;
    for (SeriesAggregate a : parts) {
      MetricSummary r = a.metrics().get(SeriesAccumulator.RTT);
      if (r == null || r.count() == 0) {
        continue;
      }
      MetricSummary sd = a.metrics().get(SeriesAccumulator.RTT_STDDEV);
      if (sd == null) {
        return null;
      }
      squares += r.count() * (sd.mean() * sd.mean() + r.mean() * r.mean());
    }
    double variance = squares / rtt.count() - rtt.mean() * rtt.mean();
    double sigma = Math.sqrt(Math.max(0, variance));
    DDSketch s = Sketches.create();
    s.accept(sigma);
    return MetricSummary.fromSketch(s, rtt.count(), sigma, sigma, sigma * rtt.count());
  }

  /** One metric over several windows: exact count and extremes, merged sketch. */
  public static MetricSummary mergeMetric(List<MetricSummary> parts) {
    DDSketch sketch = Sketches.create();
    long count = 0;
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    double sum = 0;
    for (MetricSummary m : parts) {
      if (m.count() == 0) {
        continue;
      }
      try {
        sketch.mergeWith(Sketches.decode(m.sketch()));
      } catch (IOException e) {
        throw new UncheckedIOException("corrupt sketch in a finished aggregate", e);
      }
      count += m.count();
      min = Math.min(min, m.min());
      max = Math.max(max, m.max());
      sum += m.mean() * m.count();
    }
    double[] q = sketch.getValuesAtQuantiles(new double[] {0.5, 0.9, 0.95, 0.99});
    for (int i = 0; i < q.length; i++) {
      q[i] = Math.max(min, Math.min(max, q[i]));
    }
    return new MetricSummary(
        count, min, max, sum / count, q[0], q[1], q[2], q[3], Sketches.encode(sketch));
  }
}
