package net.qoe.job.rollup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.qoe.job.window.MetricSummary;
import net.qoe.job.window.SeriesAccumulator;
import net.qoe.job.window.SeriesAggregate;
import net.qoe.kafka.message.Measurement;
import net.qoe.kafka.message.MeasurementError;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

class RollupsTest {

  static final long T0 = 1_767_225_600_000L; // 2026-01-01T00:00Z, a 5-minute and 1-hour boundary
  static final long MINUTE = 60_000;

  /** Five minutes of one series: a run every 2 s, some failures, some lost packets. */
  static List<Measurement> fiveMinutesOfRuns(long seed) {
    Random random = new Random(seed);
    List<Measurement> runs = new ArrayList<>();
    for (int i = 0; i < 150; i++) {
      boolean ok = random.nextInt(10) > 0;
      List<Double> rtts = new ArrayList<>();
      int received = 0;
      for (int p = 0; p < 10; p++) {
        if (random.nextInt(20) == 0) {
          rtts.add(null);
        } else {
          rtts.add(5 + random.nextDouble() * 40);
          received++;
        }
      }
      runs.add(
          new Measurement(
              1,
              "ev-" + seed + "-" + i,
              "probe-1",
              "echo",
              "udp",
              1 + random.nextInt(3),
              T0 + i * 2_000L,
              ok,
              ok ? null : new MeasurementError(random.nextBoolean() ? "timeout" : "refused", "x"),
              rtts,
              10,
              received,
              Map.of(
                  "total_ms", 1 + random.nextDouble() * 500,
                  "throughput_mbps", 5 + random.nextDouble() * 95)));
    }
    return runs;
  }

  static SeriesAggregate aggregate(List<Measurement> runs, long startMs, long endMs) {
    SeriesAccumulator acc = new SeriesAccumulator();
    for (Measurement m : runs) {
      if (m.tsMs() >= startMs && m.tsMs() < endMs) {
        acc.add(m);
      }
    }
    return acc.toAggregate(startMs, endMs);
  }

  static List<SeriesAggregate> perMinute(List<Measurement> runs) {
    List<SeriesAggregate> minutes = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      minutes.add(aggregate(runs, T0 + i * MINUTE, T0 + (i + 1) * MINUTE));
    }
    return minutes;
  }

  @Test
  void fiveOneMinuteAggregatesMergeIntoWhatTheRawDataGivesInOneFiveMinuteWindow() {
    List<Measurement> runs = fiveMinutesOfRuns(42);
    SeriesAggregate direct = aggregate(runs, T0, T0 + 5 * MINUTE);
    SeriesAggregate rolled = Rollups.merge(perMinute(runs), T0, T0 + 5 * MINUTE);
    assertSameAggregate(rolled, direct);
  }

  /** Exact for everything but J (sample-weighted) and the float rounding of the mean. */
  static void assertSameAggregate(SeriesAggregate rolled, SeriesAggregate direct) {
    assertThat(rolled.windowStartMs()).isEqualTo(direct.windowStartMs());
    assertThat(rolled.windowEndMs()).isEqualTo(direct.windowEndMs());
    assertThat(rolled.count()).isEqualTo(direct.count()).isEqualTo(150);
    assertThat(rolled.okCount()).isEqualTo(direct.okCount());
    assertThat(rolled.errorsByStage()).isEqualTo(direct.errorsByStage());
    assertThat(rolled.packetsSent()).isEqualTo(direct.packetsSent());
    assertThat(rolled.packetsReceived()).isEqualTo(direct.packetsReceived());
    assertThat(rolled.lossPct()).isCloseTo(direct.lossPct(), within(1e-12));
    assertThat(rolled.maxTier()).isEqualTo(direct.maxTier());
    assertThat(rolled.jitterSamples()).isEqualTo(direct.jitterSamples());
    assertThat(rolled.jitterMs()).isPositive();
    assertThat(rolled.metrics().keySet())
        .isEqualTo(direct.metrics().keySet())
        .contains("total_ms", "throughput_mbps", SeriesAccumulator.RTT, SeriesAccumulator.IPDV);
    direct
        .metrics()
        .forEach(
            (name, d) -> {
              MetricSummary r = rolled.metrics().get(name);
              if (name.equals(SeriesAccumulator.RUN_IPDV)) {
                // no run pairs across the boundary of two minutes
                assertThat(r.count()).as(name).isLessThanOrEqualTo(d.count());
                return;
              }
              if (name.equals(SeriesAccumulator.RTT_STDDEV)) {
                assertThat(r.count()).as(name).isEqualTo(d.count());
                assertThat(r.mean()).as(name).isCloseTo(d.mean(), within(1e-9 * d.mean()));
                return;
              }
              assertThat(r.count()).as(name).isEqualTo(d.count());
              assertThat(r.min()).as(name).isEqualTo(d.min());
              assertThat(r.max()).as(name).isEqualTo(d.max());
              assertThat(r.mean()).as(name).isCloseTo(d.mean(), within(1e-9 * d.max()));
              assertThat(r.p50()).as(name).isEqualTo(d.p50());
              assertThat(r.p90()).as(name).isEqualTo(d.p90());
              assertThat(r.p95()).as(name).isEqualTo(d.p95());
              assertThat(r.p99()).as(name).isEqualTo(d.p99());
              assertThat(net.qoe.job.sink.AggregateUpsert.p5(r))
                  .as(name)
                  .isEqualTo(net.qoe.job.sink.AggregateUpsert.p5(d));
            });
  }

  @Test
  void jitterIsTheSampleWeightedMeanOfTheParts() {
    List<SeriesAggregate> minutes = perMinute(fiveMinutesOfRuns(7));
    double weighted = 0;
    long samples = 0;
    for (SeriesAggregate m : minutes) {
      weighted += m.jitterMs() * m.jitterSamples();
      samples += m.jitterSamples();
    }
    SeriesAggregate rolled = Rollups.merge(minutes, T0, T0 + 5 * MINUTE);
    assertThat(rolled.jitterMs()).isCloseTo(weighted / samples, within(1e-12));
  }

  @Test
  void aRefiredFinerWindowReplacesItsEarlierVersionInsteadOfAddingToIt() throws Exception {
    List<Measurement> runs = fiveMinutesOfRuns(3);
    List<SeriesAggregate> minutes = perMinute(runs);
    LatestPerWindow acc = new LatestPerWindow();
    // minute 2 first fired with only its first half, then re-fired complete for late data
    acc.add(
        aggregate(runs, T0 + 2 * MINUTE, T0 + 2 * MINUTE + 30_000)
            .withWindow(T0 + 2 * MINUTE, T0 + 3 * MINUTE));
    minutes.forEach(acc::add);
    // a replay of the partial version after a restart changes nothing either
    acc.add(
        aggregate(runs, T0 + 2 * MINUTE, T0 + 2 * MINUTE + 30_000)
            .withWindow(T0 + 2 * MINUTE, T0 + 3 * MINUTE));

    LatestPerWindow restored = roundTrip(acc);
    SeriesAggregate rolled =
        new MergeAggregates().getResult(restored).withWindow(T0, T0 + 5 * MINUTE);
    assertSameAggregate(rolled, aggregate(runs, T0, T0 + 5 * MINUTE));
  }

  private static LatestPerWindow roundTrip(LatestPerWindow acc) throws Exception {
    TypeSerializer<LatestPerWindow> s =
        TypeInformation.of(LatestPerWindow.class).createSerializer(new SerializerConfigImpl());
    assertThat(s).isInstanceOf(LatestPerWindow.Serializer.class);
    DataOutputSerializer out = new DataOutputSerializer(1024);
    s.serialize(acc, out);
    return s.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
  }
}
