package net.qoe.job.window;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/**
 * Stamps the window's start and end on the aggregate {@link SeriesAggregator} computed for it
 * (whose {@code getResult} cannot see the window and leaves them 0).
 *
 * <p>Generic in the key so that it works whatever the series is keyed by: {@link
 * net.qoe.kafka.message.SeriesKey} ({@code keyBy(Measurement::seriesKey)}) or the string of {@link
 * SeriesAggregator#keyOf}. Write {@code new AttachWindow<>()}.
 *
 * <p>Counts "windows_emitted" (re-firings for late data included) and keeps "sketch_bytes", a
 * histogram of the encoded size of all sketches of one aggregate.
 */
public final class AttachWindow<K>
    extends ProcessWindowFunction<SeriesAggregate, SeriesAggregate, K, TimeWindow> {

  private static final long serialVersionUID = 1L;

  private transient Counter windowsEmitted;
  private transient Histogram sketchBytes;

  @Override
  public void open(OpenContext openContext) {
    windowsEmitted = getRuntimeContext().getMetricGroup().counter("windows_emitted");
    sketchBytes =
        getRuntimeContext()
            .getMetricGroup()
            .histogram("sketch_bytes", new DescriptiveStatisticsHistogram(1000));
  }

  @Override
  public void process(
      K key, Context ctx, Iterable<SeriesAggregate> aggregates, Collector<SeriesAggregate> out) {
    for (SeriesAggregate a : aggregates) {
      windowsEmitted.inc();
      sketchBytes.update(sketchBytes(a));
      out.collect(a.withWindow(ctx.window().getStart(), ctx.window().getEnd()));
    }
  }

  /** Encoded size of all sketches of one aggregate: what it costs in a row and in state. */
  static long sketchBytes(SeriesAggregate a) {
    long bytes = 0;
    for (MetricSummary m : a.metrics().values()) {
      bytes += m.sketch().length;
    }
    return bytes;
  }
}
