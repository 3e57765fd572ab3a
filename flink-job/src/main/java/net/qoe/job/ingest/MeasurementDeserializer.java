package net.qoe.job.ingest;

import java.util.Optional;
import net.qoe.kafka.message.DeadLetter;
import net.qoe.kafka.message.Measurement;
import net.qoe.kafka.serde.MalformedMessageException;
import net.qoe.kafka.serde.MessageSerde;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Turns every Kafka record into an {@link IngestResult} and never throws: a record that is not a
 * measurement (stage "deserialize") or whose values fail {@link MeasurementValidator} (stage
 * "validate") becomes a dead letter with its raw bytes, where it came from and why. Validating
 * here, rather than in a later operator, keeps the original bytes and offset in the dead letter.
 */
public final class MeasurementDeserializer
    implements KafkaRecordDeserializationSchema<IngestResult> {

  private static final long serialVersionUID = 1L;

  /** Dead-letter stage of records that are not a measurement at all. */
  public static final String STAGE_DESERIALIZE = "deserialize";

  /** Dead-letter stage of well-formed measurements with values the job must not aggregate. */
  public static final String STAGE_VALIDATE = "validate";

  @Override
  public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<IngestResult> out) {
    out.collect(toResult(record, System.currentTimeMillis()));
  }

  static IngestResult toResult(ConsumerRecord<byte[], byte[]> record, long nowMs) {
    try {
      Measurement m = MessageSerde.MEASUREMENT.fromBytes(record.value());
      Optional<MeasurementValidator.Violation> invalid = MeasurementValidator.validate(m, nowMs);
      if (invalid.isPresent()) {
        return IngestResult.rejected(
            deadLetter(
                record,
                STAGE_VALIDATE,
                invalid.get().reason(),
                invalid.get().detail(),
                m.eventId(),
                nowMs));
      }
      return IngestResult.of(m);
    } catch (MalformedMessageException e) {
      return IngestResult.rejected(
          deadLetter(record, STAGE_DESERIALIZE, e.reason(), e.getMessage(), null, nowMs));
    } catch (RuntimeException e) {
      // A bug in the serde must not stop the job either; the record is kept with the reason.
      return IngestResult.rejected(
          deadLetter(
              record, STAGE_DESERIALIZE, "deserializer-error", String.valueOf(e), null, nowMs));
    }
  }

  static DeadLetter deadLetter(
      ConsumerRecord<byte[], byte[]> record,
      String stage,
      String reason,
      String detail,
      String eventId,
      long nowMs) {
    return new DeadLetter(
        1,
        record.topic(),
        record.partition(),
        record.offset(),
        DeadLetterBytes.base64(record.key(), DeadLetterBytes.MAX_KEY_BYTES),
        DeadLetterBytes.base64(record.value(), DeadLetterBytes.MAX_VALUE_BYTES),
        stage,
        reason,
        DeadLetterBytes.detail(detail, record.key(), record.value()),
        eventId,
        record.timestamp(),
        nowMs);
  }

  @Override
  public TypeInformation<IngestResult> getProducedType() {
    return IngestResult.TYPE;
  }
}
