package net.qoe.job.rollup;

import net.qoe.job.window.SeriesAggregate;
import org.apache.flink.api.common.functions.AggregateFunction;

/**
 * Incremental rollup of one series: keeps the latest aggregate of each finer window and merges them
 * when the rollup window fires ({@link Rollups#merge}); {@link StampRollupWindow} sets the window
 * on the result.
 */
public final class MergeAggregates
    implements AggregateFunction<SeriesAggregate, LatestPerWindow, SeriesAggregate> {

  private static final long serialVersionUID = 1L;

  @Override
  public LatestPerWindow createAccumulator() {
    return new LatestPerWindow();
  }

  @Override
  public LatestPerWindow add(SeriesAggregate value, LatestPerWindow acc) {
    acc.add(value);
    return acc;
  }

  @Override
  public SeriesAggregate getResult(LatestPerWindow acc) {
    return Rollups.merge(acc.parts().values(), 0, 0);
  }

  @Override
  public LatestPerWindow merge(LatestPerWindow a, LatestPerWindow b) {
    a.addAll(b);
    return a;
  }
}
