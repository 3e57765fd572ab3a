package net.qoe.job.window;

import net.qoe.kafka.message.Measurement;
import org.apache.flink.api.common.functions.AggregateFunction;

/** Incremental window aggregation of one series: constant work per measurement. */
public final class SeriesAggregator
    implements AggregateFunction<Measurement, SeriesAccumulator, SeriesAggregate> {

  private static final long serialVersionUID = 1L;

  /**
   * The key a series is partitioned by: its three names, length-prefixed so that no two series can
   * collide whatever characters their names contain.
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

  /** The aggregate without its window; {@link AttachWindow} stamps that on. */
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
