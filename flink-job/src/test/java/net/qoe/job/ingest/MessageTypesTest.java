package net.qoe.job.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import net.qoe.kafka.message.DeadLetter;
import net.qoe.kafka.message.Measurement;
import net.qoe.kafka.message.MeasurementError;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * Wire messages and ingest results travel between operators with our own serializers, never Kryo.
 */
class MessageTypesTest {

  static final Measurement UDP =
      new Measurement(
          1,
          "ev-2",
          "probe-1",
          "echo",
          "udp",
          2,
          1_767_225_600_000L,
          false,
          new MeasurementError("timeout", "2 of 4 packets unanswered"),
          Arrays.asList(1.25, null, 3.5, null),
          4,
          2,
          Map.of("jitter_ms", 0.25, "total_ms", 2005.0));

  static final DeadLetter LETTER =
      new DeadLetter(
          1,
          "qoe.measurements",
          5,
          1234,
          null,
          "AAEC",
          "deserialize",
          "malformed-json",
          "malformed-json: Unexpected character",
          null,
          1_767_225_600_000L,
          1_767_225_600_500L);

  @Test
  void measurementsRoundTripWithLostPacketsAndErrors() throws IOException {
    assertRoundTrips(MessageTypes.MEASUREMENT, List.of(UDP, MeasurementDeserializerTest.GOOD));
  }

  @Test
  void measurementsRoundTripWithoutOptionalPartsAndWithLongOrUnusualNames() throws IOException {
    Map<String, Double> metrics = new java.util.HashMap<>();
    metrics.put("dns_ms", null);
    metrics.put("cert_days_left", -3.0);
    Measurement bare =
        new Measurement(
            1,
            "ev-3",
            "p".repeat(70_000),
            "zielrechner-ü-☃",
            "tcp",
            3,
            1L,
            true,
            null,
            null,
            null,
            null,
            metrics);
    Measurement noMetrics =
        new Measurement(
            1,
            "ev-4",
            "probe",
            "t",
            "udp",
            1,
            2L,
            false,
            new MeasurementError(null, null),
            List.of(),
            0,
            0,
            Map.of());
    assertRoundTrips(MessageTypes.MEASUREMENT, List.of(bare, noMetrics, UDP));
  }

  @Test
  void deadLettersRoundTripWithAbsentFields() throws IOException {
    assertRoundTrips(MessageTypes.DEAD_LETTER, List.of(LETTER));
  }

  @Test
  void ingestResultsRoundTripEitherWay() throws IOException {
    TypeInformation<IngestResult> info = TypeInformation.of(IngestResult.class);
    assertThat(info).isEqualTo(IngestResult.TYPE);
    IngestResult bad =
        MeasurementDeserializerTest.deserialize("x".getBytes(StandardCharsets.UTF_8), 0, 1);
    assertRoundTrips(info, List.of(IngestResult.of(UDP), IngestResult.rejected(LETTER), bad));
  }

  @Test
  void snapshotsRestoreTheSerializers() throws IOException {
    for (TypeInformation<?> info :
        List.of(MessageTypes.MEASUREMENT, MessageTypes.DEAD_LETTER, IngestResult.TYPE)) {
      assertSnapshotRestores(info.createSerializer(new SerializerConfigImpl()));
    }
  }

  private static <T> void assertRoundTrips(TypeInformation<T> info, List<T> values)
      throws IOException {
    TypeSerializer<T> serializer = info.createSerializer(new SerializerConfigImpl());
    assertThat(serializer.isImmutableType()).isTrue();
    DataOutputSerializer out = new DataOutputSerializer(256);
    for (T v : values) {
      serializer.serialize(v, out);
    }
    DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
    for (T v : values) {
      assertThat(serializer.deserialize(in)).isEqualTo(v);
    }
    assertThat(in.available()).isZero();
    // copying a serialized record from one view to another (network, spilling) keeps it intact
    DataOutputSerializer copied = new DataOutputSerializer(256);
    serializer.copy(new DataInputDeserializer(out.getCopyOfBuffer()), copied);
    assertThat(serializer.deserialize(new DataInputDeserializer(copied.getCopyOfBuffer())))
        .isEqualTo(values.get(0));
  }

  private static <T> void assertSnapshotRestores(TypeSerializer<T> serializer) throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(64);
    TypeSerializerSnapshot.writeVersionedSnapshot(out, serializer.snapshotConfiguration());
    TypeSerializerSnapshot<T> restored =
        TypeSerializerSnapshot.readVersionedSnapshot(
            new DataInputDeserializer(out.getCopyOfBuffer()), getClassLoader());
    assertThat(restored.restoreSerializer()).isEqualTo(serializer);
    assertThat(
            serializer
                .snapshotConfiguration()
                .resolveSchemaCompatibility(restored)
                .isCompatibleAsIs())
        .isTrue();
  }

  private static ClassLoader getClassLoader() {
    return MessageTypesTest.class.getClassLoader();
  }
}
