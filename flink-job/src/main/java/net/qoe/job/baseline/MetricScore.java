package net.qoe.job.baseline;

/**
 * One headline of one window against its baseline: the value, what was expected at this hour, the
 * spread, and the signed score (positive = worse, in spreads).
 */
public record MetricScore(double value, double expected, double sigma, double score) {

  /** The band Grafana draws around the expected value. */
  public double bandLow(double width) {
    return expected - width * sigma;
  }

  public double bandHigh(double width) {
    return expected + width * sigma;
  }
}
