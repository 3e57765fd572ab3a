package net.qoe.job.window;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.qoe.kafka.message.Measurement;
import net.qoe.kafka.message.MeasurementError;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

class SeriesAccumulatorTest {

  private final SeriesAggregator aggregator = new SeriesAggregator();

  @Test
  void percentilesAreWithinOnePercentOfExactOnLogNormalSamples() {
    Random random = new Random(42);
    int n = 100_000;
    double[] values = new double[n];
    SeriesAccumulator acc = aggregator.createAccumulator();
    for (int i = 0; i < n; i++) {
      values[i] = Math.exp(3 + 0.8 * random.nextGaussian());
      acc = aggregator.add(http(i, true, values[i]), acc);
    }
    MetricSummary s = aggregator.getResult(acc).metrics().get("total_ms");
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    assertThat(s.count()).isEqualTo(n);
    assertThat(s.min()).isEqualTo(sorted[0]);
    assertThat(s.max()).isEqualTo(sorted[n - 1]);
    assertThat(s.mean()).isCloseTo(Arrays.stream(values).average().orElseThrow(), within(1e-9));
    assertWithinOnePercent(s.p50(), exactQuantile(sorted, 0.50));
    assertWithinOnePercent(s.p90(), exactQuantile(sorted, 0.90));
    assertWithinOnePercent(s.p95(), exactQuantile(sorted, 0.95));
    assertWithinOnePercent(s.p99(), exactQuantile(sorted, 0.99));
  }

  @Test
  void lossCountsEveryPacketOfEveryRunIncludingATotalLoss() {
    SeriesAccumulator acc = aggregator.createAccumulator();
    acc = aggregator.add(udp(0, 1.0, 2.0, 3.0, 4.0), acc); // 4 of 4
    acc = aggregator.add(udp(1, 1.0, null, 3.0, null), acc); // 2 of 4
    acc = aggregator.add(udp(2, null, null, null, null), acc); // 0 of 4
    SeriesAggregate a = aggregator.getResult(acc);
    assertThat(a.packetsSent()).isEqualTo(12);
    assertThat(a.packetsReceived()).isEqualTo(6);
    assertThat(a.lossPct()).isCloseTo(50.0, within(1e-12));
    assertThat(a.metrics().get("rtt_ms").count()).isEqualTo(6);
  }

  @Test
  void testsWithoutPacketsHaveNoLossAndNoJitter() {
    SeriesAggregate a =
        aggregator.getResult(aggregator.add(http(0, true, 5.0), aggregator.createAccumulator()));
    assertThat(a.lossPct()).isNull();
    assertThat(a.jitterMs()).isNull();
    assertThat(a.packetsSent()).isZero();
  }

  @Test
  void windowJitterFollowsRfc3550OverThePacketSequence() {
    SeriesAccumulator acc = aggregator.createAccumulator();
    acc = aggregator.add(udp(0, 10.0, 12.0, 11.0, null, 15.0, 14.0), acc);
    SeriesAggregate a = aggregator.getResult(acc);
    assertThat(a.jitterMs()).isCloseTo(0.23095703125, within(1e-12));
    assertThat(a.jitterSamples()).isEqualTo(3);
    MetricSummary ipdv = a.metrics().get("ipdv_ms");
    assertThat(ipdv.count()).isEqualTo(3);
    assertThat(ipdv.max()).isEqualTo(2.0);
    assertThat(ipdv.min()).isEqualTo(1.0);
  }

  @Test
  void failedRunsAreCountedByStageAndKeepTheirPartialTimings() {
    SeriesAccumulator acc = aggregator.createAccumulator();
    acc = aggregator.add(http(0, true, 20.0), acc);
    acc =
        aggregator.add(
            new Measurement(
                1,
                "e1",
                "p",
                "t",
                "http",
                2,
                1L,
                false,
                new MeasurementError("tls", "handshake failed"),
                null,
                null,
                null,
                Map.of("dns_ms", 3.0, "connect_ms", 1.0)),
            acc);
    acc =
        aggregator.add(
            new Measurement(
                1,
                "e2",
                "p",
                "t",
                "http",
                1,
                2L,
                false,
                new MeasurementError("tls", "certificate expired"),
                null,
                null,
                null,
                Map.of("dns_ms", 4.0)),
            acc);
    SeriesAggregate a = aggregator.getResult(acc);
    assertThat(a.count()).isEqualTo(3);
    assertThat(a.okCount()).isEqualTo(1);
    assertThat(a.errorCount()).isEqualTo(2);
    assertThat(a.errorsByStage()).containsExactly(Map.entry("tls", 2L));
    assertThat(a.metrics().get("dns_ms").count()).isEqualTo(2);
    assertThat(a.metrics().get("total_ms").count()).isEqualTo(1);
    assertThat(a.maxTier()).isEqualTo(2);
  }

  @Test
  void mergingTwoHalvesEqualsAccumulatingEverything() {
    Random random = new Random(7);
    List<Measurement> all = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      all.add(i % 10 == 0 ? failed(i) : http(i, true, Math.exp(2 + random.nextGaussian())));
    }
    SeriesAccumulator whole = aggregator.createAccumulator();
    SeriesAccumulator left = aggregator.createAccumulator();
    SeriesAccumulator right = aggregator.createAccumulator();
    for (int i = 0; i < all.size(); i++) {
      whole = aggregator.add(all.get(i), whole);
      if (i % 2 == 0) {
        left = aggregator.add(all.get(i), left);
      } else {
        right = aggregator.add(all.get(i), right);
      }
    }
    SeriesAggregate expected = aggregator.getResult(whole);
    SeriesAggregate merged = aggregator.getResult(aggregator.merge(left, right));
    assertThat(merged.count()).isEqualTo(expected.count());
    assertThat(merged.errorsByStage()).isEqualTo(expected.errorsByStage());
    MetricSummary m = merged.metrics().get("total_ms");
    MetricSummary e = expected.metrics().get("total_ms");
    assertThat(m.count()).isEqualTo(e.count());
    assertThat(m.min()).isEqualTo(e.min());
    assertThat(m.max()).isEqualTo(e.max());
    assertThat(m.mean()).isCloseTo(e.mean(), within(1e-9));
    // sketch merges are exact: the same bins, so the same quantiles
    assertThat(m.p50()).isEqualTo(e.p50());
    assertThat(m.p99()).isEqualTo(e.p99());
  }

  @Test
  void flinkUsesOurSerializerAndItPreservesEveryField() throws Exception {
    TypeInformation<SeriesAccumulator> info = TypeInformation.of(SeriesAccumulator.class);
    TypeSerializer<SeriesAccumulator> serializer =
        info.createSerializer(new SerializerConfigImpl());
    assertThat(serializer).isInstanceOf(SeriesAccumulator.Serializer.class);

    SeriesAccumulator acc = aggregator.createAccumulator();
    acc = aggregator.add(udp(0, 1.0, null, 3.5, 2.0), acc);
    acc = aggregator.add(failed(1), acc);
    for (int i = 0; i < 500; i++) {
      acc = aggregator.add(http(i, true, 10 + i % 37), acc);
    }
    DataOutputSerializer out = new DataOutputSerializer(1024);
    serializer.serialize(acc, out);
    SeriesAccumulator copy =
        serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
    assertThat(aggregator.getResult(copy)).isEqualTo(aggregator.getResult(acc));

    TypeSerializerSnapshot<SeriesAccumulator> snapshot = serializer.snapshotConfiguration();
    DataOutputSerializer snapOut = new DataOutputSerializer(64);
    snapshot.writeSnapshot(snapOut);
    TypeSerializerSnapshot<SeriesAccumulator> restored = new SeriesAccumulator.Snapshot();
    restored.readSnapshot(
        snapshot.getCurrentVersion(),
        new DataInputDeserializer(snapOut.getCopyOfBuffer()),
        getClass().getClassLoader());
    assertThat(restored.restoreSerializer()).isInstanceOf(SeriesAccumulator.Serializer.class);
    assertThat(
            serializer
                .snapshotConfiguration()
                .resolveSchemaCompatibility(restored)
                .isCompatibleAsIs())
        .isTrue();
  }

  @Test
  void aggregatesRoundTripThroughTheirSerializer() throws Exception {
    TypeSerializer<SeriesAggregate> serializer =
        TypeInformation.of(SeriesAggregate.class).createSerializer(new SerializerConfigImpl());
    assertThat(serializer).isInstanceOf(SeriesAggregate.Serializer.class);
    SeriesAccumulator acc = aggregator.createAccumulator();
    acc = aggregator.add(udp(0, 1.0, null, 3.5, 2.0), acc);
    acc = aggregator.add(failed(1), acc);
    SeriesAggregate a = aggregator.getResult(acc).withWindow(60_000, 120_000);
    DataOutputSerializer out = new DataOutputSerializer(1024);
    serializer.serialize(a, out);
    assertThat(serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer())))
        .isEqualTo(a);
  }

  private static void assertWithinOnePercent(double actual, double exact) {
    assertThat(Math.abs(actual - exact) / exact)
        .as("relative error of %s vs %s", actual, exact)
        .isLessThanOrEqualTo(0.01);
  }

  /** The lower order statistic at rank ceil(q * n), as DDSketch defines its quantiles. */
  private static double exactQuantile(double[] sorted, double q) {
    int rank = (int) Math.floor(q * (sorted.length - 1));
    return sorted[rank];
  }

  static Measurement http(int i, boolean ok, double totalMs) {
    return new Measurement(
        1,
        "e" + i,
        "probe-1",
        "web-1",
        "http",
        1,
        1000L + i,
        ok,
        null,
        null,
        null,
        null,
        Map.of("total_ms", totalMs));
  }

  static Measurement failed(int i) {
    return new Measurement(
        1,
        "f" + i,
        "probe-1",
        "web-1",
        "http",
        1,
        1000L + i,
        false,
        new MeasurementError("timeout", "no response within 5000 ms"),
        null,
        null,
        null,
        Map.of("dns_ms", 1.0));
  }

  static Measurement udp(int i, Double... rtts) {
    List<Double> list = Arrays.asList(rtts);
    int received = (int) list.stream().filter(java.util.Objects::nonNull).count();
    return new Measurement(
        1,
        "u" + i,
        "probe-1",
        "echo",
        "udp",
        1,
        1000L + i,
        received > 0,
        null,
        list,
        list.size(),
        received,
        Map.of());
  }
}
