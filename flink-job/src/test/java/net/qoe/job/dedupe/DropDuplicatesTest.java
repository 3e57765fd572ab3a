package net.qoe.job.dedupe;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import net.qoe.job.testing.CapturedMetrics;
import net.qoe.kafka.message.Measurement;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class DropDuplicatesTest {

  private static final Duration TTL = Duration.ofHours(24);

  private static Measurement measurement(String eventId, double totalMs) {
    return new Measurement(
        1,
        eventId,
        "probe-1",
        "web",
        "http",
        1,
        1_767_225_600_000L,
        true,
        null,
        null,
        null,
        null,
        Map.of("total_ms", totalMs));
  }

  private static KeyedOneInputStreamOperatorTestHarness<
          Tuple2<Long, Long>, Measurement, Measurement>
      harness(CapturedMetrics metrics) throws Exception {
    return new KeyedOneInputStreamOperatorTestHarness<>(
        new KeyedProcessOperator<>(new DropDuplicates(TTL)),
        DropDuplicates::keyOf,
        DropDuplicates.KEY_TYPE,
        metrics.environment());
  }

  @Test
  void retriesOfTheSameEventCountOnceAndAreCounted() throws Exception {
    CapturedMetrics metrics = new CapturedMetrics();
    try (var h = harness(metrics)) {
      h.open();
      h.processElement(measurement("a", 1), 1);
      h.processElement(measurement("b", 2), 2);
      h.processElement(measurement("a", 1), 3); // probe retry
      h.processElement(measurement("a", 9), 4); // same id, other content: still the same event
      assertThat(h.extractOutputValues())
          .extracting(Measurement::eventId)
          .containsExactly("a", "b");
      assertThat(metrics.count("duplicates")).isEqualTo(2);
    }
  }

  @Test
  void aDuplicateAfterRestoreFromASnapshotIsStillDropped() throws Exception {
    OperatorSubtaskState snapshot;
    try (var h = harness(new CapturedMetrics())) {
      h.open();
      h.processElement(measurement("a", 1), 1);
      h.processElement(measurement("b", 2), 2);
      snapshot = h.snapshot(1L, 10L);
    }
    CapturedMetrics metrics = new CapturedMetrics();
    try (var restored = harness(metrics)) {
      restored.initializeState(snapshot);
      restored.open();
      restored.processElement(measurement("a", 1), 3); // spool replay after the restart
      restored.processElement(measurement("c", 3), 4);
      restored.processElement(measurement("b", 2), 5);
      assertThat(restored.extractOutputValues())
          .extracting(Measurement::eventId)
          .containsExactly("c");
      assertThat(metrics.count("duplicates")).isEqualTo(2);
    }
  }

  @Test
  void anIdIsForgottenAfterTheTtl() throws Exception {
    CapturedMetrics metrics = new CapturedMetrics();
    try (var h = harness(metrics)) {
      h.setStateTtlProcessingTime(0);
      h.open();
      h.processElement(measurement("a", 1), 1);
      h.setStateTtlProcessingTime(TTL.toMillis() - 1);
      h.processElement(measurement("a", 1), 2);
      h.setStateTtlProcessingTime(TTL.toMillis() + 1);
      h.processElement(measurement("a", 1), 3);
      assertThat(h.extractOutputValues()).hasSize(2);
      assertThat(metrics.count("duplicates")).isEqualTo(1);
    }
  }

  @Test
  void keysAreTheBitsOfCanonicalUuidsAndAHashOfAnythingElse() {
    String uuid = "7d0f2a64-1c1e-4e55-9f3a-0b1c2d3e4f50";
    assertThat(DropDuplicates.keyOf(measurement(uuid, 1)))
        .isEqualTo(Tuple2.of(0x7d0f2a641c1e4e55L, 0x9f3a0b1c2d3e4f50L));
    // the same id always maps to the same key; different ids (even the same UUID spelled in
    // upper case, or ids a lenient UUID parser would read alike) to different ones
    assertThat(DropDuplicates.keyOf(measurement("retry-1", 1)))
        .isEqualTo(DropDuplicates.keyOf(measurement("retry-1", 2)));
    assertThat(
            java.util.stream.Stream.of(
                    uuid,
                    uuid.toUpperCase(java.util.Locale.ROOT),
                    "1-1-1-1-1",
                    "01-1-1-1-1",
                    "a",
                    "b")
                .map(id -> DropDuplicates.keyOf(measurement(id, 1)))
                .distinct())
        .hasSize(6);
  }
}
