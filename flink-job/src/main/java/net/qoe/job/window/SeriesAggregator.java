package net.qoe.job.window;

import net.qoe.kafka.message.Measurement;
import org.apache.flink.api.common.functions.AggregateFunction;

/**
 * Incremental window aggregation of one series: constant work per measurement, state is one {@link
 * SeriesAccumulator}. {@code merge} is exact for counts, extremes and sketches (session windows,
 * rollups); J merges as described in {@link JitterTracker#merge}.
 */
public final class SeriesAggregator
    implements AggregateFunction<Measurement, SeriesAccumulator, SeriesAggregate> {

  private static final long serialVersionUID = 1L;

  /**
   * A string key for a series: its three names, length-prefixed so that no two series can collide
   * whatever characters their names contain. {@code Measurement::seriesKey} is the typed
   * alternative.
   */
  public static String keyOf(Measurement m) {
    return m.probeId().length()
        + ":"
        + m.probeId()
        + m.target().length()
        + ":"
        + m.target()
        + m.test();
  }

  @Override
  public SeriesAccumulator createAccumulator() {
    return new SeriesAccumulator();
  }

  @Override
  public SeriesAccumulator add(Measurement value, SeriesAccumulator acc) {
    acc.add(value);
    return acc;
  }

  /**
   * The aggregate without its window (start and end 0): an aggregate function does not see it. The
   * job's own windows ({@link SeriesWindows}) build it with the window stamped on.
   */
  @Override
  public SeriesAggregate getResult(SeriesAccumulator acc) {
    return acc.toAggregate(0, 0);
  }

  @Override
  public SeriesAccumulator merge(SeriesAccumulator a, SeriesAccumulator b) {
    a.merge(b);
    return a;
  }
}
