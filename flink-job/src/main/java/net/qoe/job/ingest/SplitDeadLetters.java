package net.qoe.job.ingest;

import net.qoe.kafka.message.DeadLetter;
import net.qoe.kafka.message.Measurement;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Measurements go on; dead letters go to a side output, counted as "malformed" (not a measurement)
 * or "invalid" (a measurement that failed validation); "records_in" counts every record and
 * "measurements" the ones that go on.
 */
public final class SplitDeadLetters extends ProcessFunction<IngestResult, Measurement> {

  private static final long serialVersionUID = 1L;

  public static final OutputTag<DeadLetter> DEAD_LETTERS =
      new OutputTag<>("dead-letters", MessageTypes.DEAD_LETTER);

  private transient Counter recordsIn;
  private transient Counter measurements;
  private transient Counter malformed;
  private transient Counter invalid;

  @Override
  public void open(OpenContext openContext) {
    recordsIn = getRuntimeContext().getMetricGroup().counter("records_in");
    measurements = getRuntimeContext().getMetricGroup().counter("measurements");
    malformed = getRuntimeContext().getMetricGroup().counter("malformed");
    invalid = getRuntimeContext().getMetricGroup().counter("invalid");
  }

  @Override
  public void processElement(IngestResult result, Context ctx, Collector<Measurement> out) {
    recordsIn.inc();
    if (result.isMeasurement()) {
      measurements.inc();
      out.collect(result.measurement());
    } else {
      if (MeasurementDeserializer.STAGE_VALIDATE.equals(result.deadLetter().stage())) {
        invalid.inc();
      } else {
        malformed.inc();
      }
      ctx.output(DEAD_LETTERS, result.deadLetter());
    }
  }
}
