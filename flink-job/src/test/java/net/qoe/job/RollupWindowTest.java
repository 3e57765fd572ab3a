package net.qoe.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import net.qoe.job.config.JobConfig;
import net.qoe.job.rollup.Resolution;
import net.qoe.job.rollup.Rollups;
import net.qoe.job.testing.CapturedMetrics;
import net.qoe.job.window.SeriesAccumulator;
import net.qoe.job.window.SeriesAggregate;
import net.qoe.kafka.message.Measurement;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.transformations.OneInputTransformation;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** The job's 5-minute rollup operator ({@link QoeJob#rollup}) fed one-minute aggregates. */
class RollupWindowTest {

  private static final long T0 = 1_767_225_600_000L;
  private static final long MINUTE = 60_000;

  private static SeriesAggregate minute(int index, int runs) {
    SeriesAccumulator acc = new SeriesAccumulator();
    long start = T0 + index * MINUTE;
    for (int i = 0; i < runs; i++) {
      acc.add(
          new Measurement(
              1,
              "e" + index + "-" + i,
              "probe-1",
              "web",
              "http",
              1,
              start + i * 1000L,
              true,
              null,
              null,
              null,
              null,
              Map.of("total_ms", 10.0 + index * 10 + i)));
    }
    return acc.toAggregate(start, start + MINUTE);
  }

  @SuppressWarnings("unchecked")
  private static KeyedOneInputStreamOperatorTestHarness<String, SeriesAggregate, SeriesAggregate>
      harness(CapturedMetrics metrics) throws Exception {
    JobConfig config =
        JobConfig.fromArgs(new String[] {"--window", "1m", "--allowed-lateness", "30s"}, Map.of());
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    SingleOutputStreamOperator<SeriesAggregate> rolled =
        QoeJob.rollup(
            env.fromData(List.of(minute(0, 1)), TypeInformation.of(SeriesAggregate.class)),
            Resolution.FIVE_MINUTES,
            config);
    OneInputTransformation<SeriesAggregate, SeriesAggregate> t =
        (OneInputTransformation<SeriesAggregate, SeriesAggregate>) rolled.getTransformation();
    return new KeyedOneInputStreamOperatorTestHarness<>(
        t.getOperator(),
        (KeySelector<SeriesAggregate, String>) t.getStateKeySelector(),
        Types.STRING,
        metrics.environment());
  }

  @Test
  void fiveMinutesOfAggregatesBecomeOneRollupAndARefiredMinuteReplacesItsPart() throws Exception {
    CapturedMetrics metrics = new CapturedMetrics();
    try (var h = harness(metrics)) {
      h.open();
      for (int i = 0; i < 5; i++) {
        SeriesAggregate m = minute(i, i == 4 ? 2 : 3); // minute 4 first fires with 2 runs
        h.processElement(m, m.windowEndMs() - 1);
      }
      h.processWatermark(T0 + 5 * MINUTE);
      // minute 4 re-fired for a late run within the allowed lateness: complete, 3 runs
      h.processElement(minute(4, 3), T0 + 5 * MINUTE - 1);

      List<SeriesAggregate> out = h.extractOutputValues();
      assertThat(out).hasSize(2);
      assertThat(out.get(0).windowStartMs()).isEqualTo(T0);
      assertThat(out.get(0).windowEndMs()).isEqualTo(T0 + 5 * MINUTE);
      assertThat(out.get(0).count()).isEqualTo(14);
      assertThat(out.get(1).count()).isEqualTo(15);
      List<SeriesAggregate> parts =
          List.of(minute(0, 3), minute(1, 3), minute(2, 3), minute(3, 3), minute(4, 3));
      assertThat(out.get(1)).isEqualTo(Rollups.merge(parts, T0, T0 + 5 * MINUTE));
      assertThat(out.get(1).metrics().get("total_ms").count()).isEqualTo(15);
      assertThat(metrics.count("windows_emitted")).isEqualTo(2);
    }
  }

  @Test
  void rollupsOnlyWhereTheBaseWindowTilesThem() {
    assertThat(QoeJob.rollsUp(java.time.Duration.ofMinutes(1), Resolution.FIVE_MINUTES)).isTrue();
    assertThat(QoeJob.rollsUp(java.time.Duration.ofSeconds(4), Resolution.ONE_HOUR)).isTrue();
    assertThat(QoeJob.rollsUp(java.time.Duration.ofSeconds(7), Resolution.FIVE_MINUTES)).isFalse();
    assertThat(QoeJob.rollsUp(java.time.Duration.ofMinutes(5), Resolution.FIVE_MINUTES)).isFalse();
  }
}
