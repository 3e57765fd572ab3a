package net.qoe.job.rollup;

import net.qoe.job.window.SeriesAggregate;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/** Stamps the rollup window on its merged aggregate and counts "windows_emitted". */
public final class StampRollupWindow
    extends ProcessWindowFunction<SeriesAggregate, SeriesAggregate, String, TimeWindow> {

  private static final long serialVersionUID = 1L;

  private transient Counter windowsEmitted;

  @Override
  public void open(OpenContext openContext) {
    windowsEmitted = getRuntimeContext().getMetricGroup().counter("windows_emitted");
  }

  @Override
  public void process(
      String key,
      Context ctx,
      Iterable<SeriesAggregate> aggregates,
      Collector<SeriesAggregate> out) {
    for (SeriesAggregate a : aggregates) {
      windowsEmitted.inc();
      out.collect(a.withWindow(ctx.window().getStart(), ctx.window().getEnd()));
    }
  }
}
