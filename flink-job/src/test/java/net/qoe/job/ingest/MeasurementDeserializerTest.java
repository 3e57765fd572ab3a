package net.qoe.job.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import net.qoe.job.testing.Ingest;
import net.qoe.kafka.message.DeadLetter;
import net.qoe.kafka.message.Measurement;
import net.qoe.kafka.serde.MessageSerde;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

class MeasurementDeserializerTest {

  static final String TOPIC = "qoe.measurements";
  static final long RECORD_TS = 1_767_225_601_234L;

  static final Measurement GOOD =
      new Measurement(
          1,
          "ev-1",
          "probe-1",
          "web-1",
          "http",
          1,
          System.currentTimeMillis(),
          true,
          null,
          null,
          null,
          null,
          Map.of("total_ms", 12.0));

  @Test
  void aValidRecordBecomesAMeasurement() {
    IngestResult r = deserialize(MessageSerde.MEASUREMENT.toBytes(GOOD), 3, 42);
    assertThat(r.isMeasurement()).isTrue();
    assertThat(r.measurement()).isEqualTo(GOOD);
    assertThat(r.deadLetter()).isNull();
  }

  @Test
  void garbageBecomesADeadLetterWithTheRawBytesWhereItCameFromAndWhy() {
    byte[] garbage = {0x00, (byte) 0xff, '{'};
    long before = System.currentTimeMillis();
    DeadLetter d = deserialize(garbage, 3, 42).deadLetter();
    long after = System.currentTimeMillis();

    assertThat(d.schema()).isEqualTo(1);
    assertThat(d.stage()).isEqualTo("deserialize");
    assertThat(d.reason()).isEqualTo("malformed-json");
    assertThat(d.detail()).startsWith("malformed-json: ");
    assertThat(d.sourceTopic()).isEqualTo(TOPIC);
    assertThat(d.partition()).isEqualTo(3);
    assertThat(d.offset()).isEqualTo(42);
    assertThat(Base64.getDecoder().decode(d.valueBase64())).isEqualTo(garbage);
    assertThat(new String(Base64.getDecoder().decode(d.keyBase64()), StandardCharsets.UTF_8))
        .isEqualTo("probe-1|web-1");
    assertThat(d.eventId()).isNull();
    assertThat(d.recordTsMs()).isEqualTo(RECORD_TS);
    assertThat(d.observedMs()).isBetween(before, after);
  }

  @Test
  void aRecordWithoutAValueIsADeadLetterWithoutAValue() {
    DeadLetter d = deserialize((byte[]) null, 0, 7).deadLetter();
    assertThat(d.reason()).isEqualTo("empty");
    assertThat(d.valueBase64()).isNull();
    assertThat(d.partition()).isZero();
    assertThat(d.offset()).isEqualTo(7);
  }

  @Test
  void aNewerSchemaIsNotGuessedAt() {
    DeadLetter d = deserialize(json(GOOD).replace("\"schema\":1", "\"schema\":2"), 1, 8);
    assertThat(d.reason()).isEqualTo("unknown-schema");
    assertThat(d.detail()).contains("schema 2");
    assertThat(d.offset()).isEqualTo(8);
  }

  @Test
  void aMissingEventIdIsAMissingField() {
    DeadLetter d = deserialize(json(GOOD).replace("\"event_id\":\"ev-1\",", ""), 2, 9);
    assertThat(d.reason()).isEqualTo("missing-field");
    assertThat(d.detail()).contains("event_id");
    assertThat(d.partition()).isEqualTo(2);
    assertThat(d.offset()).isEqualTo(9);
  }

  @Test
  void aFieldOfTheWrongTypeIsAWrongType() {
    assertThat(deserialize(json(GOOD).replace("\"tier\":1", "\"tier\":\"high\""), 0, 0).reason())
        .isEqualTo("wrong-type");
  }

  @Test
  void neverThrowsWhateverTheBytes() {
    List<String> values =
        List.of(
            "", "null", "[]", "42", "\"text\"", "{", "{}", "{\"schema\":\"one\"}", "\uFFFF\u0000");
    for (String v : values) {
      IngestResult r = deserialize(v.getBytes(StandardCharsets.UTF_8), 0, 1);
      assertThat(r.isMeasurement()).as(v).isFalse();
      assertThat(r.deadLetter().reason()).as(v).isNotBlank();
      assertThat(r.deadLetter().stage()).as(v).isEqualTo("deserialize");
    }
  }

  static String json(Measurement m) {
    return MessageSerde.MEASUREMENT.toJson(m);
  }

  private static DeadLetter deserialize(String value, int partition, long offset) {
    IngestResult r = deserialize(value.getBytes(StandardCharsets.UTF_8), partition, offset);
    assertThat(r.isMeasurement()).isFalse();
    return r.deadLetter();
  }

  /** Through the public Kafka-source entry point, exactly as the source calls it. */
  static IngestResult deserialize(byte[] value, int partition, long offset) {
    ConsumerRecord<byte[], byte[]> record =
        new ConsumerRecord<>(
            TOPIC,
            partition,
            offset,
            RECORD_TS,
            TimestampType.CREATE_TIME,
            13,
            value == null ? 0 : value.length,
            "probe-1|web-1".getBytes(StandardCharsets.UTF_8),
            value,
            new RecordHeaders(),
            Optional.empty());
    return Ingest.of(record);
  }
}
