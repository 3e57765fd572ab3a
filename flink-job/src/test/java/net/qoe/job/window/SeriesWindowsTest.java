package net.qoe.job.window;

import static net.qoe.job.window.Runs.T0;
import static net.qoe.job.window.Runs.http;
import static net.qoe.job.window.Runs.udp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import net.qoe.job.ingest.MessageTypes;
import net.qoe.kafka.message.Measurement;
import net.qoe.kafka.message.SeriesKey;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The window stage ({@link SeriesWindows}) on a real (mini) cluster at parallelism 2 with generic
 * types disabled: if any type on the way (measurements, the key, dedupe and window state,
 * aggregates) fell back to Kryo, the job would not start.
 */
class SeriesWindowsTest {

  @RegisterExtension
  static final MiniClusterExtension FLINK =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(1)
              .setNumberSlotsPerTaskManager(2)
              .build());

  @Test
  void aggregatesEachSeriesPerMinuteWithTheWindowStampedOnAndNoKryo() throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(2);
    Configuration conf = new Configuration();
    conf.set(PipelineOptions.GENERIC_TYPES, false);
    env.configure(conf);

    List<Measurement> input = new ArrayList<>();
    for (int s = 0; s < 120; s++) { // two minutes, one run per second per series
      input.add(http(s * 1000, 10 + s % 7));
      input.add(udp(s * 1000, 1.0 + s % 3, s % 10 == 0 ? null : 2.0, 1.5));
    }

    List<SeriesAggregate> out =
        env.fromData(input, MessageTypes.MEASUREMENT)
            .assignTimestampsAndWatermarks(
                WatermarkStrategy.<Measurement>forMonotonousTimestamps()
                    .withTimestampAssigner((m, ts) -> m.tsMs()))
            .keyBy(SeriesKeys::keyOf, Types.STRING)
            .process(
                SeriesWindows.create(
                    Duration.ofMinutes(1), Duration.ofSeconds(30), Duration.ofHours(24), "hashmap"))
            .returns(SeriesAggregate.TYPE)
            .executeAndCollect(10);

    out.sort(
        Comparator.comparing((SeriesAggregate a) -> a.seriesKey().toString())
            .thenComparingLong(SeriesAggregate::windowStartMs));
    assertThat(out)
        .extracting(SeriesAggregate::seriesKey, SeriesAggregate::windowStartMs)
        .containsExactly(
            tuple(new SeriesKey("probe-1", "echo", "udp"), T0),
            tuple(new SeriesKey("probe-1", "echo", "udp"), T0 + 60_000),
            tuple(new SeriesKey("probe-1", "web-1", "http"), T0),
            tuple(new SeriesKey("probe-1", "web-1", "http"), T0 + 60_000));
    for (SeriesAggregate a : out) {
      assertThat(a.windowEndMs()).isEqualTo(a.windowStartMs() + 60_000);
      assertThat(a.count()).isEqualTo(60);
    }
    SeriesAggregate udp = out.get(0);
    assertThat(udp.packetsSent()).isEqualTo(180);
    assertThat(udp.packetsReceived()).isEqualTo(174); // one packet lost every ten seconds
    // two differences per run; one when the middle packet is lost (the pair spans the loss):
    // 54 × 2 + 6 × 1
    assertThat(udp.jitterSamples()).isEqualTo(114);
    assertThat(out.get(2).metrics().get("total_ms").max()).isEqualTo(16.0);
  }
}
