package net.qoe.job.window;

import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/** Stamps the window's start and end on the aggregate computed for it. */
public final class AttachWindow
    extends ProcessWindowFunction<SeriesAggregate, SeriesAggregate, String, TimeWindow> {

  private static final long serialVersionUID = 1L;

  @Override
  public void process(
      String key,
      Context ctx,
      Iterable<SeriesAggregate> aggregates,
      Collector<SeriesAggregate> out) {
    for (SeriesAggregate a : aggregates) {
      out.collect(a.withWindow(ctx.window().getStart(), ctx.window().getEnd()));
    }
  }
}
