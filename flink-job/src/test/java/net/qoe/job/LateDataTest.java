package net.qoe.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import net.qoe.job.config.JobConfig;
import net.qoe.job.ingest.MessageTypes;
import net.qoe.job.testing.CapturedMetrics;
import net.qoe.job.window.LateMeasurements;
import net.qoe.job.window.SeriesAggregate;
import net.qoe.job.window.SeriesWindows;
import net.qoe.kafka.message.DeadLetter;
import net.qoe.kafka.message.Measurement;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.operators.StreamMap;
import org.apache.flink.streaming.api.transformations.OneInputTransformation;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The job's own window operator (built by {@link QoeJob#seriesAggregates}) under late data: within
 * the allowed lateness a window re-fires with its complete aggregate; past it a record goes to the
 * late side output and is counted, and the aggregate is not touched.
 */
class LateDataTest {

  private static final long T0 = 1_767_225_600_000L; // a window start (2026-01-01T00:00Z)

  private static Measurement at(String id, long offsetMs, double totalMs) {
    return new Measurement(
        1,
        id,
        "probe-1",
        "web",
        "http",
        1,
        T0 + offsetMs,
        true,
        null,
        null,
        null,
        null,
        Map.of("total_ms", totalMs));
  }

  @SuppressWarnings("unchecked")
  private static KeyedOneInputStreamOperatorTestHarness<String, Measurement, SeriesAggregate>
      windowHarness(CapturedMetrics metrics) throws Exception {
    JobConfig config =
        JobConfig.fromArgs(new String[] {"--window", "1m", "--allowed-lateness", "30s"}, Map.of());
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    SingleOutputStreamOperator<SeriesAggregate> aggregates =
        QoeJob.seriesAggregates(
            env.fromData(List.of(at("x", 0, 1)), MessageTypes.MEASUREMENT), config);
    OneInputTransformation<Measurement, SeriesAggregate> t =
        (OneInputTransformation<Measurement, SeriesAggregate>) aggregates.getTransformation();
    return new KeyedOneInputStreamOperatorTestHarness<>(
        t.getOperator(),
        (KeySelector<Measurement, String>) t.getStateKeySelector(),
        org.apache.flink.api.common.typeinfo.Types.STRING,
        metrics.environment());
  }

  @Test
  void aRecordWithinAllowedLatenessRefiresTheWindowWithTheFullAggregate() throws Exception {
    CapturedMetrics metrics = new CapturedMetrics();
    try (var h = windowHarness(metrics)) {
      h.open();
      h.processElement(at("a", 10_000, 10), T0 + 10_000);
      h.processElement(at("b", 20_000, 20), T0 + 20_000);
      h.processWatermark(T0 + 60_000);
      h.processElement(at("c", 30_000, 30), T0 + 30_000); // 30 s late, within 30 s lateness

      List<SeriesAggregate> out = h.extractOutputValues();
      assertThat(out).hasSize(2);
      SeriesAggregate first = out.get(0);
      SeriesAggregate refired = out.get(1);
      assertThat(first.count()).isEqualTo(2);
      assertThat(refired.windowStartMs()).isEqualTo(first.windowStartMs()).isEqualTo(T0);
      assertThat(refired.count()).isEqualTo(3);
      assertThat(refired.metrics().get("total_ms").count()).isEqualTo(3);
      assertThat(refired.metrics().get("total_ms").min()).isEqualTo(10);
      assertThat(refired.metrics().get("total_ms").max()).isEqualTo(30);
      assertThat(refired.metrics().get("total_ms").mean()).isEqualTo(20);
      assertThat(h.getSideOutput(SeriesWindows.LATE)).isNullOrEmpty();
      assertThat(metrics.count("windows_emitted")).isEqualTo(2);
      assertThat(((Histogram) metrics.metric("sketch_bytes")).getCount()).isEqualTo(2);
      assertThat(((Histogram) metrics.metric("sketch_bytes")).getStatistics().getMin())
          .isPositive();
    }
  }

  @Test
  void aRecordPastAllowedLatenessGoesToTheLateOutputAndNeverReplacesTheAggregate()
      throws Exception {
    CapturedMetrics metrics = new CapturedMetrics();
    List<Measurement> late;
    try (var h = windowHarness(metrics)) {
      h.open();
      h.processElement(at("a", 10_000, 10), T0 + 10_000);
      h.processElement(at("b", 20_000, 20), T0 + 20_000);
      h.processWatermark(T0 + 60_000 + 30_000); // window end + allowed lateness: state is gone
      h.processElement(at("c", 30_000, 30), T0 + 30_000);

      assertThat(h.extractOutputValues())
          .singleElement()
          .extracting(SeriesAggregate::count)
          .isEqualTo(2L);
      late = h.getSideOutput(SeriesWindows.LATE).stream().map(StreamRecord::getValue).toList();
      assertThat(late).extracting(Measurement::eventId).containsExactly("c");
      assertThat(metrics.count("windows_emitted")).isEqualTo(1);
    }

    CapturedMetrics lateMetrics = new CapturedMetrics();
    try (OneInputStreamOperatorTestHarness<Measurement, DeadLetter> h =
        new OneInputStreamOperatorTestHarness<>(
            new StreamMap<>(new LateMeasurements()),
            new MessageTypes.MeasurementSerializer(),
            lateMetrics.environment())) {
      h.open();
      for (Measurement m : late) {
        h.processElement(m, m.tsMs());
      }
      assertThat(h.extractOutputValues())
          .singleElement()
          .satisfies(
              d -> {
                assertThat(d.stage()).isEqualTo("late");
                assertThat(d.reason()).isEqualTo("late");
                assertThat(d.eventId()).isEqualTo("c");
              });
      assertThat(lateMetrics.count("late")).isEqualTo(1);
    }
  }
}
