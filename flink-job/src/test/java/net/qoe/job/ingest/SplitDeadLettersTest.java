package net.qoe.job.ingest;

import static net.qoe.job.ingest.MeasurementDeserializerTest.GOOD;
import static net.qoe.job.ingest.MeasurementDeserializerTest.deserialize;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import net.qoe.job.testing.CapturedMetrics;
import net.qoe.kafka.message.DeadLetter;
import net.qoe.kafka.message.Measurement;
import net.qoe.kafka.serde.MessageSerde;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

class SplitDeadLettersTest {

  private final IngestResult good = deserialize(MessageSerde.MEASUREMENT.toBytes(GOOD), 0, 1);
  private final IngestResult garbage = deserialize("nope".getBytes(StandardCharsets.UTF_8), 0, 2);
  private final IngestResult empty = deserialize((byte[]) null, 1, 3);

  @Test
  void measurementsGoOnAndDeadLettersToTheSideOutputWithTheirTimestamps() throws Exception {
    try (OneInputStreamOperatorTestHarness<IngestResult, Measurement> harness =
        ProcessFunctionTestHarnesses.forProcessFunction(new SplitDeadLetters())) {
      harness.processElement(garbage, 10L);
      harness.processElement(good, 20L);
      harness.processElement(empty, 30L);

      assertThat(harness.extractOutputValues()).containsExactly(GOOD);
      assertThat(harness.getSideOutput(SplitDeadLetters.DEAD_LETTERS))
          .extracting(StreamRecord::getValue, StreamRecord::getTimestamp)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple(garbage.deadLetter(), 10L),
              org.assertj.core.groups.Tuple.tuple(empty.deadLetter(), 30L));
      DeadLetter first = harness.getSideOutput(SplitDeadLetters.DEAD_LETTERS).peek().getValue();
      assertThat(first.reason()).isEqualTo("malformed-json");
      assertThat(first.offset()).isEqualTo(2);
    }
  }

  @Test
  void deadLettersAreCountedAsMalformed() throws Exception {
    CapturedMetrics metrics = new CapturedMetrics();
    try (OneInputStreamOperatorTestHarness<IngestResult, Measurement> harness =
        new OneInputStreamOperatorTestHarness<>(
            new ProcessOperator<>(new SplitDeadLetters()),
            IngestResult.serializer(),
            metrics.environment())) {
      harness.open();
      harness.processElement(good, 1L);
      harness.processElement(garbage, 2L);
      harness.processElement(empty, 3L);
      assertThat(metrics.count("malformed")).isEqualTo(2);
      assertThat(metrics.count("measurements")).isEqualTo(1);
    }
  }
}
