package net.qoe.job.rollup;

import java.time.Duration;

/** The coarser resolutions built from the base windows, each with its own pair of tables. */
public enum Resolution {
  FIVE_MINUTES(Duration.ofMinutes(5), "agg_5m", "agg_5m_metric", "5m"),
  ONE_HOUR(Duration.ofHours(1), "agg_1h", "agg_1h_metric", "1h");

  public final Duration size;
  public final String seriesTable;
  public final String metricTable;
  public final String label;

  Resolution(Duration size, String seriesTable, String metricTable, String label) {
    this.size = size;
    this.seriesTable = seriesTable;
    this.metricTable = metricTable;
    this.label = label;
  }
}
