package net.qoe.job.window;

import com.datadoghq.sketch.ddsketch.DDSketch;
import java.io.IOException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * One metric of one window: exact count/min/max/mean, percentiles from the sketch (within 1 %
 * relative of the true order statistic), and the encoded sketch ({@link Sketches#encode}) so that
 * coarser windows can merge it exactly.
 */
public record MetricSummary(
    long count,
    double min,
    double max,
    double mean,
    double p50,
    double p90,
    double p95,
    double p99,
    byte[] sketch) {

  private static final double[] QUANTILES = {0.50, 0.90, 0.95, 0.99};

  /**
   * Summarises a sketch and the exact moments kept beside it. The sketch's quantiles are clamped
   * into [min, max]: the exact extremes are known, and a bin's representative value can lie just
   * outside them.
   *
   * @param count how many values went into the sketch (its own count is a double)
   * @param sum the exact sum of those values, for the mean
   */
  public static MetricSummary fromSketch(
      DDSketch sketch, long count, double min, double max, double sum) {
    if (count <= 0) {
      throw new IllegalArgumentException("a summary needs at least one value, count was " + count);
    }
    double[] q = sketch.getValuesAtQuantiles(QUANTILES);
    for (int i = 0; i < q.length; i++) {
      q[i] = Math.max(min, Math.min(max, q[i]));
    }
    return new MetricSummary(
        count, min, max, sum / count, q[0], q[1], q[2], q[3], Sketches.encode(sketch));
  }

  /** The sketch, decoded; a fresh copy each time, safe to merge into. */
  public DDSketch decodeSketch() throws IOException {
    return Sketches.decode(sketch);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MetricSummary m
        && count == m.count
        && Double.compare(min, m.min) == 0
        && Double.compare(max, m.max) == 0
        && Double.compare(mean, m.mean) == 0
        && Double.compare(p50, m.p50) == 0
        && Double.compare(p90, m.p90) == 0
        && Double.compare(p95, m.p95) == 0
        && Double.compare(p99, m.p99) == 0
        && Arrays.equals(sketch, m.sketch);
  }

  @Override
  public int hashCode() {
    return Objects.hash(count, min, max, mean, p50, p90, p95, p99) * 31 + Arrays.hashCode(sketch);
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "MetricSummary[n=%d min=%.3f max=%.3f mean=%.3f p50=%.3f p90=%.3f p95=%.3f p99=%.3f"
            + " sketch=%d bytes]",
        count,
        min,
        max,
        mean,
        p50,
        p90,
        p95,
        p99,
        sketch == null ? 0 : sketch.length);
  }
}
