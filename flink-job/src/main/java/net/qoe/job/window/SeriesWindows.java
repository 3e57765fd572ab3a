package net.qoe.job.window;

import java.time.Duration;
import net.qoe.job.dedupe.Dedupe;
import net.qoe.job.ingest.MessageTypes;
import net.qoe.kafka.message.Measurement;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Stages 2 and 3 of the job in one keyed step per series ({@link SeriesKeys#keyOf}): drop duplicate
 * event ids ({@link Dedupe}), then aggregate each series in tumbling event-time windows.
 *
 * <p>The windows behave as Flink's window operator with an event-time trigger and allowed lateness
 * does: a window is emitted (timestamped with its last millisecond) when the watermark passes its
 * end; a measurement that arrives after that but within the allowed lateness is added and the
 * window is emitted again at once, complete (the accumulator is kept until the lateness has passed,
 * and the upsert downstream replaces the earlier row); a measurement later than that goes to {@link
 * #LATE} and never touches an aggregate. Unlike that operator, which registers an end timer and a
 * cleanup timer for every element, this one registers them once per series and window, when the
 * window opens, and the measurement is keyed once for dedupe and windows together: together that
 * took about a fifth of the CPU of this stage in the job benchmark.
 *
 * <p>Every measurement that passes dedupe also goes to {@link #UNIQUE}, late or not, for the stages
 * that look at single measurements (escalation's fast path).
 *
 * <p>State: dedupe's, and per series a map from window start to its {@link SeriesAccumulator} (one
 * or two open windows at a time). On the heap backend the accumulator in the map is updated in
 * place (Flink copies it before a checkpoint could see a change); on RocksDB it is written back
 * after each measurement. Metrics: "duplicates", "windows_emitted" (re-firings included) and
 * "sketch_bytes", a histogram of the encoded size of all sketches of one aggregate.
 *
 * <p>A checkpoint also keeps the watermark this step had reached, because Flink's watermark starts
 * from nothing after a restore, and until the sources catch up a late measurement would otherwise
 * open a new, partial window for a time already aggregated (it is late) or be added to a window
 * that fired before the checkpoint without firing it again. Until the watermark passes it, the
 * restored one judges what is late (the lowest of the subtasks', so that a rescaled job is not
 * stricter than before).
 */
public final class SeriesWindows extends KeyedProcessFunction<String, Measurement, SeriesAggregate>
    implements CheckpointedFunction {

  private static final long serialVersionUID = 1L;

  /** Measurements later than the allowed lateness. */
  public static final OutputTag<Measurement> LATE =
      new OutputTag<>("late-measurements", MessageTypes.MEASUREMENT);

  /** Each measurement once (after dedupe), late ones included. */
  public static final OutputTag<Measurement> UNIQUE =
      new OutputTag<>("unique-measurements", MessageTypes.MEASUREMENT);

  private final Dedupe dedupe;
  private final long size;
  private final long lateness;

  /** Whether the state hands out the stored accumulator (heap) rather than a copy (RocksDB). */
  private final boolean inPlace;

  private transient MapState<Long, SeriesAccumulator> windows;

  /** The watermark of the checkpoint restored from; Long.MIN_VALUE when starting fresh. */
  private transient long restoredWatermark = Long.MIN_VALUE;

  /** The highest watermark this subtask has acted on, for the next checkpoint. */
  private transient long seenWatermark = Long.MIN_VALUE;

  private transient ListState<Long> checkpointedWatermark;
  private transient Counter windowsEmitted;
  private transient Histogram sketchBytes;

  private SeriesWindows(Dedupe dedupe, Duration window, Duration allowedLateness, boolean inPlace) {
    if (window.toMillis() <= 0 || allowedLateness.isNegative()) {
      throw new IllegalArgumentException(
          "window must be positive and lateness not negative: " + window + ", " + allowedLateness);
    }
    this.dedupe = dedupe;
    this.size = window.toMillis();
    this.lateness = allowedLateness.toMillis();
    this.inPlace = inPlace;
  }

  /**
   * Windows of {@code window} with {@code allowedLateness}, ids remembered for {@code dedupeTtl},
   * with state laid out for {@code stateBackend} ({@code hashmap} or {@code rocksdb}).
   */
  public static SeriesWindows create(
      Duration window, Duration allowedLateness, Duration dedupeTtl, String stateBackend) {
    return new SeriesWindows(
        Dedupe.forStateBackend(dedupeTtl, stateBackend),
        window,
        allowedLateness,
        !"rocksdb".equals(stateBackend));
  }

  @Override
  public void open(OpenContext openContext) {
    dedupe.open(getRuntimeContext());
    windows =
        getRuntimeContext()
            .getMapState(
                new MapStateDescriptor<>(
                    "windows", Types.LONG, SeriesAccumulatorTypeInfoFactory.TYPE));
    windowsEmitted = getRuntimeContext().getMetricGroup().counter("windows_emitted");
    sketchBytes =
        getRuntimeContext()
            .getMetricGroup()
            .histogram("sketch_bytes", new DescriptiveStatisticsHistogram(1000));
  }

  @Override
  public void processElement(Measurement m, Context ctx, Collector<SeriesAggregate> out)
      throws Exception {
    TimerService timers = ctx.timerService();
    if (!dedupe.firstSeen(m, timers)) {
      return;
    }
    ctx.output(UNIQUE, m);
    Long timestamp = ctx.timestamp();
    long start =
        TimeWindow.getWindowStartWithOffset(timestamp != null ? timestamp : m.tsMs(), 0, size);
    long end = start + size - 1; // the window's last millisecond
    long watermark = Math.max(timers.currentWatermark(), restoredWatermark);
    seenWatermark = watermark;
    if (cleanupTime(end) <= watermark) {
      ctx.output(LATE, m);
      return;
    }
    SeriesAccumulator acc = windows.get(start);
    boolean opened = acc == null;
    if (opened) {
      acc = new SeriesAccumulator();
    }
    acc.add(m);
    if (opened || !inPlace) {
      windows.put(start, acc);
    }
    if (end <= watermark) {
      emit(acc, start, out); // late, within the allowed lateness: the complete window again
    } else if (opened) {
      timers.registerEventTimeTimer(end);
    }
    if (opened && lateness > 0) {
      timers.registerEventTimeTimer(cleanupTime(end));
    }
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<SeriesAggregate> out)
      throws Exception {
    if (ctx.timeDomain() == TimeDomain.PROCESSING_TIME) {
      dedupe.onCleanupTimer(ctx.timerService()); // dedupe registers every processing-time timer
      return;
    }
    seenWatermark = Math.max(seenWatermark, ctx.timerService().currentWatermark());
    // The window whose last millisecond this is fires; the one whose lateness ends here goes (with
    // no lateness, the same one, after firing). A cleanup time that overflowed is Long.MAX_VALUE,
    // the end of input: everything goes.
    long firing = timestamp - size + 1;
    SeriesAccumulator acc = windows.get(firing);
    if (acc != null) {
      emit(acc, firing, out);
    }
    if (timestamp == Long.MAX_VALUE) {
      windows.clear();
    } else if (lateness == 0) {
      if (acc != null) {
        windows.remove(firing);
      }
    } else {
      windows.remove(timestamp - lateness - size + 1);
    }
  }

  @Override
  public void snapshotState(FunctionSnapshotContext context) throws Exception {
    checkpointedWatermark.clear();
    if (seenWatermark != Long.MIN_VALUE) {
      checkpointedWatermark.add(seenWatermark);
    }
  }

  @Override
  public void initializeState(FunctionInitializationContext context) throws Exception {
    checkpointedWatermark =
        context
            .getOperatorStateStore()
            .getUnionListState(new ListStateDescriptor<>("watermark", Types.LONG));
    restoredWatermark = Long.MIN_VALUE;
    seenWatermark = Long.MIN_VALUE;
    if (context.isRestored()) {
      long lowest = Long.MAX_VALUE;
      for (Long w : checkpointedWatermark.get()) {
        lowest = Math.min(lowest, w);
      }
      restoredWatermark = lowest == Long.MAX_VALUE ? Long.MIN_VALUE : lowest;
      seenWatermark = restoredWatermark;
    }
  }

  private long cleanupTime(long end) {
    long cleanup = end + lateness;
    return cleanup >= end ? cleanup : Long.MAX_VALUE;
  }

  private void emit(SeriesAccumulator acc, long start, Collector<SeriesAggregate> out) {
    SeriesAggregate aggregate = acc.toAggregate(start, start + size);
    windowsEmitted.inc();
    sketchBytes.update(sketchBytes(aggregate));
    out.collect(aggregate);
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
