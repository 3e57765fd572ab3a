package net.qoe.job.window;

import static net.qoe.job.window.Runs.failed;
import static net.qoe.job.window.Runs.http;
import static net.qoe.job.window.Runs.udp;
import static net.qoe.job.window.Runs.withMetrics;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.Map;
import java.util.Random;
import net.qoe.job.types.CodecTypeInfo;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/** The window types travel and sit in state through our own serializers, never Kryo. */
class SeriesSerializersTest {

  @Test
  void flinkFindsOurTypeInformationForTheAccumulator() {
    TypeInformation<SeriesAccumulator> info = TypeInformation.of(SeriesAccumulator.class);
    assertThat(info)
        .isInstanceOf(CodecTypeInfo.class)
        .isEqualTo(SeriesAccumulatorTypeInfoFactory.TYPE);
    assertThat(info.createSerializer(new SerializerConfigImpl()))
        .isInstanceOf(SeriesAccumulatorSerializer.class);
  }

  @Test
  void anAccumulatorRoundTripsWithEveryField() throws IOException {
    SeriesAccumulator acc = richAccumulator();
    TypeSerializer<SeriesAccumulator> serializer =
        TypeInformation.of(SeriesAccumulator.class).createSerializer(new SerializerConfigImpl());

    byte[] bytes = serialize(serializer, acc);
    SeriesAccumulator copy = serializer.deserialize(new DataInputDeserializer(bytes));

    assertSameState(copy, acc);
    assertThat(serialize(serializer, copy)).isEqualTo(bytes);
    // The decoded sketches keep their mapping: they still merge with fresh ones.
    copy.merge(richAccumulator());
    assertThat(copy.count()).isEqualTo(2 * acc.count());
  }

  @Test
  void anEmptyAccumulatorRoundTrips() throws IOException {
    SeriesAccumulatorSerializer serializer = new SeriesAccumulatorSerializer();
    SeriesAccumulator copy =
        serializer.deserialize(
            new DataInputDeserializer(serialize(serializer, new SeriesAccumulator())));
    assertSameState(copy, new SeriesAccumulator());
  }

  @Test
  void copiesShareNothingWithTheOriginal() {
    SeriesAccumulator acc = richAccumulator();
    SeriesAggregate before = acc.toAggregate(0, 0);
    SeriesAccumulator copy = new SeriesAccumulatorSerializer().copy(acc);
    assertSameState(copy, acc);
    copy.add(http(99, 1_000.0));
    copy.add(failed(100, "dns", 3));
    copy.add(udp(101, 1.0, 900.0));
    assertThat(acc.toAggregate(0, 0)).isEqualTo(before);
  }

  @Test
  void stateWrittenInFormatOneStillReadsWithoutTheNewMoments() throws IOException {
    // version 1, by hand: what a job before RTT σ and run IPDV left in its state
    com.datadoghq.sketch.ddsketch.DDSketch sketch = Sketches.create();
    sketch.accept(10.0);
    sketch.accept(20.0);
    DataOutputSerializer out = new DataOutputSerializer(256);
    out.writeByte(1);
    for (String name : new String[] {"probe-1", "echo", "udp"}) {
      out.writeBoolean(true);
      out.writeUTF(name);
    }
    out.writeLong(1); // count
    out.writeLong(1); // ok
    out.writeInt(1); // max tier
    out.writeLong(2); // packets sent
    out.writeLong(2); // packets received
    out.writeInt(0); // errors by stage
    out.writeInt(0); // rejected by metric
    out.writeInt(1); // metrics
    out.writeUTF(SeriesAccumulator.RTT);
    out.writeLong(2);
    out.writeDouble(10.0);
    out.writeDouble(20.0);
    out.writeDouble(30.0);
    byte[] encoded = Sketches.encode(sketch);
    out.writeInt(encoded.length);
    out.write(encoded);
    out.writeDouble(0.0); // J
    out.writeLong(0); // its samples

    SeriesAccumulator a =
        new SeriesAccumulatorSerializer()
            .deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
    SeriesAggregate result = a.toAggregate(0, 0);
    assertThat(result.metrics().get(SeriesAccumulator.RTT).mean()).isEqualTo(15.0);
    assertThat(result.metrics()).doesNotContainKey(SeriesAccumulator.RTT_STDDEV);
    // the window goes on: its σ stays unknown, run pairs start afresh
    a.add(udp(1, 30.0));
    a.add(udp(2, 40.0));
    assertThat(a.toAggregate(0, 0).metrics())
        .doesNotContainKey(SeriesAccumulator.RTT_STDDEV)
        .containsKey(SeriesAccumulator.RUN_IPDV);
  }

  @Test
  void pendingValuesGoIntoTheSketchAsIfAddedOneByOne() throws IOException {
    Random random = new Random(3);
    SeriesAccumulator.MetricAccumulator pending = new SeriesAccumulator.MetricAccumulator();
    SeriesAccumulator.MetricAccumulator restored = new SeriesAccumulator.MetricAccumulator();
    com.datadoghq.sketch.ddsketch.DDSketch direct = Sketches.create();
    SeriesAccumulatorSerializer serializer = new SeriesAccumulatorSerializer();
    for (int n : new int[] {1, 3, 4, 5, 63, 64, 65, 200}) {
      for (int i = 0; i < n; i++) {
        double v = Math.exp(random.nextGaussian() * 2) * 10;
        pending.add(v);
        restored.add(v);
        direct.accept(v);
      }
      // written to state with values pending; writing leaves them pending
      SeriesAccumulator whole = new SeriesAccumulator();
      whole.metrics.put("x_ms", pending);
      byte[] bytes = serialize(serializer, whole);
      assertThat(bytes).isEqualTo(serialize(serializer, whole));
      SeriesAccumulator back = serializer.deserialize(new DataInputDeserializer(bytes));
      assertThat(Sketches.encode(back.metrics.get("x_ms").sketch()))
          .as("restored after %d", n)
          .isEqualTo(Sketches.encode(direct));
      // and one restored from state goes on from there (adding to its sketch directly)
      whole.metrics.put("x_ms", restored);
      restored =
          serializer
              .deserialize(new DataInputDeserializer(serialize(serializer, whole)))
              .metrics
              .get("x_ms");
    }
    assertThat(Sketches.encode(pending.sketch())).isEqualTo(Sketches.encode(direct));
    for (int i = 0; i < 10; i++) {
      restored.add(i + 0.5);
      direct.accept(i + 0.5);
    }
    assertThat(Sketches.encode(restored.sketch())).isEqualTo(Sketches.encode(direct));
    assertThat(restored.count).isEqualTo(415);
  }

  @Test
  void anAccumulatorInAnUnknownFormatIsAnErrorNotGarbage() {
    byte[] bytes = serialize(new SeriesAccumulatorSerializer(), richAccumulator());
    bytes[0] = 9;
    assertThatThrownBy(
            () -> new SeriesAccumulatorSerializer().deserialize(new DataInputDeserializer(bytes)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("format 9");
  }

  @Test
  void theAccumulatorSerializerSnapshotRestoresIt() throws IOException {
    assertSnapshotRestores(new SeriesAccumulatorSerializer(), SeriesAccumulatorSerializer.class);
  }

  @Test
  void flinkFindsOurTypeInformationForTheAggregate() {
    TypeInformation<SeriesAggregate> info = TypeInformation.of(SeriesAggregate.class);
    assertThat(info).isInstanceOf(CodecTypeInfo.class).isEqualTo(SeriesAggregate.TYPE);
    assertThat(info.createSerializer(new SerializerConfigImpl()))
        .isInstanceOf(SeriesAggregate.Serializer.class);
  }

  @Test
  void anAggregateRoundTripsWithEveryField() throws IOException {
    TypeSerializer<SeriesAggregate> serializer =
        TypeInformation.of(SeriesAggregate.class).createSerializer(new SerializerConfigImpl());
    SeriesAggregate withPackets = richAccumulator().toAggregate(60_000, 120_000);
    assertThat(withPackets.lossPct()).isNotNull();
    assertThat(withPackets.jitterMs()).isNotNull();
    SeriesAggregate withoutPackets = withoutPackets();
    assertThat(withoutPackets.lossPct()).isNull();
    assertThat(withoutPackets.jitterMs()).isNull();

    for (SeriesAggregate a : new SeriesAggregate[] {withPackets, withoutPackets}) {
      SeriesAggregate copy =
          serializer.deserialize(new DataInputDeserializer(serialize(serializer, a)));
      assertThat(copy).isEqualTo(a);
      assertThat(copy.metrics()).isEqualTo(a.metrics()); // byte-for-byte sketches
      assertThat(copy.metrics().get("dns_ms").decodeSketch().getValueAtQuantile(0.5))
          .isEqualTo(a.metrics().get("dns_ms").decodeSketch().getValueAtQuantile(0.5));
    }
  }

  @Test
  void theAggregateSerializerSnapshotRestoresIt() throws IOException {
    assertSnapshotRestores(new SeriesAggregate.Serializer(), SeriesAggregate.Serializer.class);
  }

  /** Written and read the way checkpoints do, by class name through the no-arg constructor. */
  static <T> void assertSnapshotRestores(TypeSerializer<T> serializer, Class<?> serializerClass)
      throws IOException {
    DataOutputSerializer out = new DataOutputSerializer(64);
    TypeSerializerSnapshot.writeVersionedSnapshot(out, serializer.snapshotConfiguration());
    TypeSerializerSnapshot<T> restored =
        TypeSerializerSnapshot.readVersionedSnapshot(
            new DataInputDeserializer(out.getCopyOfBuffer()),
            SeriesSerializersTest.class.getClassLoader());
    assertThat(restored.restoreSerializer()).isInstanceOf(serializerClass).isEqualTo(serializer);
    assertThat(
            serializer
                .snapshotConfiguration()
                .resolveSchemaCompatibility(restored)
                .isCompatibleAsIs())
        .isTrue();
  }

  /** Every field set: errors, rejected values, negative and zero metrics, packets, jitter. */
  static SeriesAccumulator richAccumulator() {
    SeriesAccumulator acc = new SeriesAccumulator();
    Random random = new Random(3);
    for (int i = 0; i < 500; i++) {
      acc.add(http(i, Math.exp(3 + 0.8 * random.nextGaussian())));
    }
    acc.add(failed(500, "tls", 2));
    acc.add(failed(501, "timeout", 1));
    acc.add(udp(502, 10.0, 12.0, null, 11.0, -1.0));
    acc.add(udp(503, null, null));
    acc.add(withMetrics(504, Map.of("cert_days_left", -2.0, "total_ms", -5.0, "dns_ms", 0.0)));
    return acc;
  }

  private static SeriesAggregate withoutPackets() {
    SeriesAccumulator acc = new SeriesAccumulator();
    acc.add(http(0, 12.5));
    acc.add(failed(1, "dns", 1));
    return acc.toAggregate(0, 60_000);
  }

  static void assertSameState(SeriesAccumulator actual, SeriesAccumulator expected) {
    assertThat(actual.probeId).isEqualTo(expected.probeId);
    assertThat(actual.target).isEqualTo(expected.target);
    assertThat(actual.test).isEqualTo(expected.test);
    assertThat(actual.count).isEqualTo(expected.count);
    assertThat(actual.okCount).isEqualTo(expected.okCount);
    assertThat(actual.maxTier).isEqualTo(expected.maxTier);
    assertThat(actual.packetsSent).isEqualTo(expected.packetsSent);
    assertThat(actual.packetsReceived).isEqualTo(expected.packetsReceived);
    assertThat(actual.errorsByStage).isEqualTo(expected.errorsByStage);
    assertThat(actual.rejectedByMetric).isEqualTo(expected.rejectedByMetric);
    assertThat(actual.jitter.jitter()).isEqualTo(expected.jitter.jitter());
    assertThat(actual.jitter.samples()).isEqualTo(expected.jitter.samples());
    assertThat(Double.compare(actual.previousRunRtt, expected.previousRunRtt)).isZero();
    assertThat(actual.previousRunTs).isEqualTo(expected.previousRunTs);
    assertThat(actual.metrics.keySet()).isEqualTo(expected.metrics.keySet());
    expected.metrics.forEach(
        (name, e) -> {
          SeriesAccumulator.MetricAccumulator a = actual.metrics.get(name);
          assertThat(a.count).as(name).isEqualTo(e.count);
          assertThat(a.min).as(name).isEqualTo(e.min);
          assertThat(a.max).as(name).isEqualTo(e.max);
          assertThat(a.sum).as(name).isEqualTo(e.sum);
          assertThat(Double.compare(a.m2, e.m2)).as(name + " m2").isZero();
          assertThat(Sketches.encode(a.sketch())).as(name).isEqualTo(Sketches.encode(e.sketch()));
          double[] q = {0.01, 0.5, 0.9, 0.95, 0.99, 1};
          assertThat(a.sketch().getValuesAtQuantiles(q))
              .as(name)
              .containsExactly(e.sketch().getValuesAtQuantiles(q));
        });
    // and what a window reports from it
    if (expected.count > 0) {
      assertThat(actual.toAggregate(0, 0)).isEqualTo(expected.toAggregate(0, 0));
    }
  }

  private static <T> byte[] serialize(TypeSerializer<T> serializer, T value) {
    try {
      DataOutputSerializer out = new DataOutputSerializer(1024);
      serializer.serialize(value, out);
      return out.getCopyOfBuffer();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
