package net.qoe.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;
import net.qoe.job.config.JobConfig;
import net.qoe.job.ingest.IngestResult;
import net.qoe.job.testing.Ingest;
import net.qoe.kafka.message.Measurement;
import net.qoe.kafka.serde.MessageSerde;
import org.apache.flink.api.common.eventtime.TimestampAssigner;
import org.apache.flink.api.common.eventtime.TimestampAssignerSupplier;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkGeneratorSupplier;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.streaming.api.transformations.SourceTransformation;
import org.apache.flink.util.clock.RelativeClock;
import org.apache.flink.util.clock.SystemClock;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/**
 * The event time a dead letter gives its split. A record the validator rejects for a timestamp in
 * the future (a probe whose clock runs an hour ahead: its ts_ms and the producer's CreateTime both
 * come from that clock) must not carry the watermark into that future, or every good measurement on
 * the split after it would be late; a dead letter from the past (a replay, a backfill) still moves
 * event time on, so that a partition of nothing but bad records does not hold the job's windows.
 */
class DeadLetterEventTimeTest {

  private static final long HOUR = 3_600_000L;

  @Test
  void aRecordRejectedForAFutureTimestampDoesNotCarryTheWatermarkPastNow() throws Exception {
    long now = System.currentTimeMillis();
    long probeClock = now + HOUR;
    ConsumerRecord<byte[], byte[]> record = record(probeClock, probeClock);
    IngestResult rejected = ingest(record);
    assertThat(rejected.isMeasurement()).isFalse();
    assertThat(rejected.deadLetter().reason()).isEqualTo("ts-in-future");
    assertThat(rejected.deadLetter().recordTsMs()).isEqualTo(probeClock); // kept in the letter

    assertThat(watermarkAfter(rejected, record.timestamp()))
        .as("watermark after one dead letter (now = %d)", now)
        .isLessThanOrEqualTo(System.currentTimeMillis());
  }

  @Test
  void aDeadLetterFromThePastStillMovesEventTimeOn() throws Exception {
    long then = System.currentTimeMillis() - 2 * HOUR;
    // not JSON at all, written two hours ago
    ConsumerRecord<byte[], byte[]> record =
        new ConsumerRecord<>(
            "qoe.measurements",
            0,
            43,
            then,
            TimestampType.CREATE_TIME,
            0,
            0,
            null,
            "not json".getBytes(StandardCharsets.UTF_8),
            new RecordHeaders(),
            Optional.empty());
    IngestResult rejected = ingest(record);
    assertThat(rejected.isMeasurement()).isFalse();

    JobConfig config = JobConfig.fromArgs(new String[0], Map.of());
    assertThat(watermarkAfter(rejected, then))
        .isEqualTo(then - config.outOfOrderness().toMillis() - 1);
  }

  private static ConsumerRecord<byte[], byte[]> record(long tsMs, long kafkaTs) {
    Measurement m =
        new Measurement(
            1,
            "0b6c4ab4-5f38-4d0e-9d4c-1d7a3c1a2b3c",
            "probe-fast-clock",
            "web",
            "http",
            1,
            tsMs,
            true,
            null,
            null,
            null,
            null,
            Map.of("total_ms", 12.0));
    return new ConsumerRecord<>(
        "qoe.measurements",
        0,
        42,
        kafkaTs,
        TimestampType.CREATE_TIME,
        0,
        0,
        m.kafkaKey().getBytes(StandardCharsets.UTF_8),
        MessageSerde.MEASUREMENT.toBytes(m),
        new RecordHeaders(),
        Optional.empty());
  }

  private static IngestResult ingest(ConsumerRecord<byte[], byte[]> record) throws Exception {
    return Ingest.of(record);
  }

  /** The watermark the job's own strategy emits after this one record on a fresh split. */
  @SuppressWarnings("unchecked")
  private static long watermarkAfter(IngestResult result, long kafkaTimestamp) {
    JobConfig config = JobConfig.fromArgs(new String[0], Map.of());
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    new QoeJob(config, QoeJob.kafkaSource(config), new DiscardingSink<>(), new DiscardingSink<>())
        .build(env);
    WatermarkStrategy<IngestResult> strategy =
        (WatermarkStrategy<IngestResult>) sourceOf(env).getWatermarkStrategy();
    TimestampAssigner<IngestResult> assigner =
        strategy.createTimestampAssigner(
            new TimestampAssignerSupplier.Context() {
              @Override
              public MetricGroup getMetricGroup() {
                return new UnregisteredMetricsGroup();
              }
            });
    WatermarkGenerator<IngestResult> generator =
        strategy.createWatermarkGenerator(
            new WatermarkGeneratorSupplier.Context() {
              @Override
              public MetricGroup getMetricGroup() {
                return new UnregisteredMetricsGroup();
              }

              @Override
              public RelativeClock getInputActivityClock() {
                return SystemClock.getInstance();
              }
            });
    long ts = assigner.extractTimestamp(result, kafkaTimestamp);
    generator.onEvent(result, ts, new Recording());
    Recording emitted = new Recording();
    generator.onPeriodicEmit(emitted);
    return emitted.highest();
  }

  private static SourceTransformation<?, ?, ?> sourceOf(StreamExecutionEnvironment env) {
    Deque<Transformation<?>> todo = new ArrayDeque<>(env.getTransformations());
    while (!todo.isEmpty()) {
      Transformation<?> t = todo.pop();
      if (t instanceof SourceTransformation<?, ?, ?> s) {
        return s;
      }
      todo.addAll(t.getInputs());
    }
    throw new AssertionError("no source");
  }

  private static final class Recording implements WatermarkOutput {
    private long highest = Long.MIN_VALUE;

    @Override
    public void emitWatermark(Watermark watermark) {
      highest = Math.max(highest, watermark.getTimestamp());
    }

    @Override
    public void markIdle() {}

    @Override
    public void markActive() {}

    long highest() {
      return highest;
    }
  }
}
