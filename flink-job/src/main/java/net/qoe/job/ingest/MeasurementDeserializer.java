package net.qoe.job.ingest;

import java.util.Base64;
import net.qoe.kafka.message.DeadLetter;
import net.qoe.kafka.serde.MalformedMessageException;
import net.qoe.kafka.serde.MessageSerde;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Turns every Kafka record into an {@link IngestResult} and never throws: a record that is not a
 * valid measurement becomes a dead letter with its raw bytes, where it came from and why.
 */
public final class MeasurementDeserializer
    implements KafkaRecordDeserializationSchema<IngestResult> {

  private static final long serialVersionUID = 1L;

  @Override
  public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<IngestResult> out) {
    out.collect(toResult(record, System.currentTimeMillis()));
  }

  static IngestResult toResult(ConsumerRecord<byte[], byte[]> record, long nowMs) {
    try {
      return IngestResult.of(MessageSerde.MEASUREMENT.fromBytes(record.value()));
    } catch (MalformedMessageException e) {
      return IngestResult.rejected(deadLetter(record, e.reason(), e.getMessage(), nowMs));
    } catch (RuntimeException e) {
      // A bug in the serde must not stop the job either; the record is kept with the reason.
      return IngestResult.rejected(
          deadLetter(record, "deserializer-error", String.valueOf(e), nowMs));
    }
  }

  static DeadLetter deadLetter(
      ConsumerRecord<byte[], byte[]> record, String reason, String detail, long nowMs) {
    Base64.Encoder b64 = Base64.getEncoder();
    return new DeadLetter(
        1,
        record.topic(),
        record.partition(),
        record.offset(),
        record.key() == null ? null : b64.encodeToString(record.key()),
        record.value() == null ? null : b64.encodeToString(record.value()),
        "deserialize",
        reason,
        detail,
        null,
        record.timestamp(),
        nowMs);
  }

  @Override
  public TypeInformation<IngestResult> getProducedType() {
    return IngestResult.TYPE;
  }
}
