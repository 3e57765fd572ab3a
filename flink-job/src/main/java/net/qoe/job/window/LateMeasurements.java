package net.qoe.job.window;

import java.nio.charset.StandardCharsets;
import net.qoe.job.ingest.DeadLetterBytes;
import net.qoe.kafka.message.DeadLetter;
import net.qoe.kafka.message.Measurement;
import net.qoe.kafka.serde.MessageSerde;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.metrics.Counter;

/**
 * A measurement that arrived after its window closed (past the allowed lateness) becomes a dead
 * letter with reason "late": it is kept and counted, never merged into a finished aggregate.
 */
public final class LateMeasurements extends RichMapFunction<Measurement, DeadLetter> {

  private static final long serialVersionUID = 1L;

  private transient Counter late;

  @Override
  public void open(OpenContext openContext) {
    late = getRuntimeContext().getMetricGroup().counter("late");
  }

  @Override
  public DeadLetter map(Measurement m) {
    late.inc();
    byte[] key = m.kafkaKey().getBytes(StandardCharsets.UTF_8);
    byte[] value = MessageSerde.MEASUREMENT.toBytes(m);
    return new DeadLetter(
        1,
        net.qoe.kafka.Topics.MEASUREMENTS,
        -1,
        -1,
        DeadLetterBytes.base64(key, DeadLetterBytes.MAX_KEY_BYTES),
        DeadLetterBytes.base64(value, DeadLetterBytes.MAX_VALUE_BYTES),
        "late",
        "late",
        DeadLetterBytes.detail(
            "event time " + m.tsMs() + " is behind the watermark by more than the allowed lateness",
            key,
            value),
        m.eventId(),
        m.tsMs(),
        System.currentTimeMillis());
  }
}
