package net.qoe.job.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import net.qoe.kafka.message.DeadLetter;
import net.qoe.kafka.message.Measurement;
import net.qoe.kafka.serde.MessageSerde;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class MeasurementDeserializerTest {

  private static final Measurement GOOD =
      new Measurement(
          1,
          "ev-1",
          "probe-1",
          "web-1",
          "http",
          1,
          1_767_225_600_000L,
          true,
          null,
          null,
          null,
          null,
          Map.of("total_ms", 12.0));

  @Test
  void aValidRecordBecomesAMeasurement() {
    IngestResult r = deserialize(MessageSerde.MEASUREMENT.toBytes(GOOD));
    assertThat(r.isMeasurement()).isTrue();
    assertThat(r.measurement()).isEqualTo(GOOD);
  }

  @Test
  void garbageBecomesADeadLetterWithWhereItCameFromAndWhy() {
    byte[] garbage = {0x00, (byte) 0xff, '{'};
    DeadLetter d = deserialize(garbage).deadLetter();
    assertThat(d.reason()).isEqualTo("malformed-json");
    assertThat(d.stage()).isEqualTo("deserialize");
    assertThat(d.sourceTopic()).isEqualTo("qoe.measurements");
    assertThat(d.partition()).isEqualTo(3);
    assertThat(d.offset()).isEqualTo(42);
    assertThat(Base64.getDecoder().decode(d.valueBase64())).isEqualTo(garbage);
    assertThat(new String(Base64.getDecoder().decode(d.keyBase64()), StandardCharsets.UTF_8))
        .isEqualTo("probe-1|web-1");
    assertThat(d.recordTsMs()).isEqualTo(1234L);
  }

  @Test
  void eachKindOfBadRecordGetsItsOwnReason() {
    assertThat(deserialize((byte[]) null).deadLetter().reason()).isEqualTo("empty");
    assertThat(
            deserialize(json(GOOD).replace("\"schema\":1", "\"schema\":2")).deadLetter().reason())
        .isEqualTo("unknown-schema");
    assertThat(deserialize(json(GOOD).replace("\"event_id\":\"ev-1\",", "")).deadLetter().reason())
        .isEqualTo("missing-field");
    assertThat(
            deserialize(json(GOOD).replace("\"tier\":1", "\"tier\":\"high\""))
                .deadLetter()
                .reason())
        .isEqualTo("wrong-type");
  }

  @Test
  void splitSendsDeadLettersToTheSideOutputAndMeasurementsOn() throws Exception {
    try (OneInputStreamOperatorTestHarness<IngestResult, Measurement> harness =
        new OneInputStreamOperatorTestHarness<>(new ProcessOperator<>(new SplitDeadLetters()))) {
      harness.open();
      harness.processElement(IngestResult.of(GOOD), 1L);
      IngestResult bad = deserialize("nope".getBytes(StandardCharsets.UTF_8));
      harness.processElement(bad, 2L);
      assertThat(harness.extractOutputValues()).containsExactly(GOOD);
      assertThat(harness.getSideOutput(SplitDeadLetters.DEAD_LETTERS))
          .extracting(r -> r.getValue())
          .containsExactly(bad.deadLetter());
    }
  }

  @Test
  void ingestResultsAndMessagesRoundTripThroughTheirSerializers() throws Exception {
    TypeSerializer<IngestResult> s =
        TypeInformation.of(IngestResult.class).createSerializer(new SerializerConfigImpl());
    assertThat(s).isInstanceOf(IngestResult.Serializer.class);
    for (IngestResult r :
        List.of(IngestResult.of(GOOD), deserialize("x".getBytes(StandardCharsets.UTF_8)))) {
      DataOutputSerializer out = new DataOutputSerializer(256);
      s.serialize(r, out);
      assertThat(s.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()))).isEqualTo(r);
    }
  }

  private static String json(Measurement m) {
    return MessageSerde.MEASUREMENT.toJson(m);
  }

  private static IngestResult deserialize(String value) {
    return deserialize(value.getBytes(StandardCharsets.UTF_8));
  }

  private static IngestResult deserialize(byte[] value) {
    ConsumerRecord<byte[], byte[]> record =
        new ConsumerRecord<>(
            "qoe.measurements",
            3,
            42,
            1234L,
            org.apache.kafka.common.record.TimestampType.CREATE_TIME,
            13,
            value == null ? 0 : value.length,
            "probe-1|web-1".getBytes(StandardCharsets.UTF_8),
            value,
            new org.apache.kafka.common.header.internals.RecordHeaders(),
            java.util.Optional.empty());
    List<IngestResult> out = new ArrayList<>();
    new MeasurementDeserializer()
        .deserialize(
            record,
            new Collector<>() {
              @Override
              public void collect(IngestResult r) {
                out.add(r);
              }

              @Override
              public void close() {}
            });
    assertThat(out).hasSize(1);
    return out.get(0);
  }
}
