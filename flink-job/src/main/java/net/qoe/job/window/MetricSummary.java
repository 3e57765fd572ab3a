package net.qoe.job.window;

import java.util.Arrays;
import java.util.Objects;

/**
 * One metric of one window: exact count/min/max/mean, sketch percentiles (1 % relative error), and
 * the encoded sketch so that coarser windows can merge it exactly.
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
    return Objects.hash(count, min, max, mean, p50, p99) * 31 + Arrays.hashCode(sketch);
  }

  @Override
  public String toString() {
    return String.format(
        java.util.Locale.ROOT,
        "MetricSummary[n=%d min=%.3f max=%.3f mean=%.3f p50=%.3f p90=%.3f p95=%.3f p99=%.3f]",
        count,
        min,
        max,
        mean,
        p50,
        p90,
        p95,
        p99);
  }
}
