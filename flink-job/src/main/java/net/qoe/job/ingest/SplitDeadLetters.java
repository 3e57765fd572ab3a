package net.qoe.job.ingest;

import net.qoe.kafka.message.DeadLetter;
import net.qoe.kafka.message.Measurement;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/** Measurements go on; dead letters go to a side output, counted as "malformed". */
public final class SplitDeadLetters extends ProcessFunction<IngestResult, Measurement> {

  private static final long serialVersionUID = 1L;

  public static final OutputTag<DeadLetter> DEAD_LETTERS =
      new OutputTag<>("dead-letters", MessageTypes.DEAD_LETTER);

  private transient Counter measurements;
  private transient Counter malformed;

  @Override
  public void open(OpenContext openContext) {
    measurements = getRuntimeContext().getMetricGroup().counter("measurements");
    malformed = getRuntimeContext().getMetricGroup().counter("malformed");
  }

  @Override
  public void processElement(IngestResult result, Context ctx, Collector<Measurement> out) {
    if (result.isMeasurement()) {
      measurements.inc();
      out.collect(result.measurement());
    } else {
      malformed.inc();
      ctx.output(DEAD_LETTERS, result.deadLetter());
    }
  }
}
