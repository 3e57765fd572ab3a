package net.qoe.job.dedupe;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import net.qoe.job.testing.CapturedMetrics;
import net.qoe.job.window.SeriesAggregate;
import net.qoe.job.window.SeriesKeys;
import net.qoe.job.window.SeriesWindows;
import net.qoe.kafka.message.Measurement;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * Dedupe as the job runs it: the first step of {@link SeriesWindows}, whose {@link
 * SeriesWindows#UNIQUE} output carries the measurements that pass.
 */
class DedupeTest {

  static final String HASHMAP = "hashmap";

  private static final Duration TTL = Duration.ofHours(24);

  private static Measurement measurement(String eventId, double totalMs) {
    return measurement("web", eventId, totalMs);
  }

  private static Measurement measurement(String target, String eventId, double totalMs) {
    return new Measurement(
        1,
        eventId,
        "probe-1",
        target,
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

  /** The function under test; {@link DedupePerIdTest} runs the same tests on RocksDB's layout. */
  SeriesWindows function() {
    return function(HASHMAP);
  }

  static SeriesWindows function(String stateBackend) {
    return SeriesWindows.create(Duration.ofMinutes(1), Duration.ZERO, TTL, stateBackend);
  }

  /** The measurements that passed dedupe, in order. */
  private static List<Measurement> unique(
      KeyedOneInputStreamOperatorTestHarness<String, Measurement, SeriesAggregate> h) {
    var out = h.getSideOutput(SeriesWindows.UNIQUE);
    return out == null ? List.of() : out.stream().map(StreamRecord::getValue).toList();
  }

  private KeyedOneInputStreamOperatorTestHarness<String, Measurement, SeriesAggregate> harness(
      CapturedMetrics metrics) throws Exception {
    return harness(function(), metrics);
  }

  private static KeyedOneInputStreamOperatorTestHarness<String, Measurement, SeriesAggregate>
      harness(SeriesWindows function, CapturedMetrics metrics) throws Exception {
    return new KeyedOneInputStreamOperatorTestHarness<>(
        new KeyedProcessOperator<>(function),
        SeriesKeys::keyOf,
        Types.STRING,
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
      assertThat(unique(h)).extracting(Measurement::eventId).containsExactly("a", "b");
      assertThat(metrics.count("duplicates")).isEqualTo(2);
    }
  }

  @Test
  void idsAreRememberedPerSeriesAcrossManyInterleavedSeries() throws Exception {
    CapturedMetrics metrics = new CapturedMetrics();
    try (var h = harness(metrics)) {
      h.open();
      for (int round = 0; round < 3; round++) { // rounds 1 and 2 replay round 0
        for (int s = 0; s < 20; s++) {
          for (int i = 0; i < 5; i++) {
            h.processElement(measurement("t" + s, "t" + s + "-e" + i, i), round * 100 + i);
          }
        }
      }
      h.processElement(measurement("t3", "t3-e5", 5), 1_000); // a new event of a known series
      assertThat(unique(h)).hasSize(101);
      assertThat(unique(h)).extracting(Measurement::eventId).doesNotHaveDuplicates();
      assertThat(metrics.count("duplicates")).isEqualTo(200);
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
      assertThat(unique(restored)).extracting(Measurement::eventId).containsExactly("c");
      assertThat(metrics.count("duplicates")).isEqualTo(2);
    }
  }

  @Test
  void anIdIsForgottenAfterTheTtl() throws Exception {
    CapturedMetrics metrics = new CapturedMetrics();
    try (var h = harness(metrics)) {
      h.open();
      h.setProcessingTime(0);
      h.processElement(measurement("a", 1), 1);
      h.setProcessingTime(TTL.toMillis() - 1);
      h.processElement(measurement("a", 1), 2);
      h.setProcessingTime(TTL.toMillis() + 1);
      h.processElement(measurement("a", 1), 3);
      assertThat(unique(h)).hasSize(2);
      assertThat(metrics.count("duplicates")).isEqualTo(1);
    }
  }

  @Test
  void anExpiredIdIsForgottenEvenBeforeItsCleanupRuns() throws Exception {
    CapturedMetrics metrics = new CapturedMetrics();
    try (var h = harness(metrics)) {
      h.open();
      h.setProcessingTime(0);
      h.processElement(measurement("a", 1), 1);
      h.setProcessingTime(1);
      h.processElement(measurement("b", 1), 2); // its cleanup runs an eighth of the TTL late
      h.setProcessingTime(TTL.toMillis() + 2);
      h.processElement(measurement("b", 1), 3);
      assertThat(unique(h)).extracting(Measurement::eventId).containsExactly("a", "b", "b");
      assertThat(metrics.count("duplicates")).isZero();
    }
  }

  @Test
  void expiredIdsAreRemovedAndNoTimerIsLeftOnceASeriesHasNone() throws Exception {
    try (var h = harness(new CapturedMetrics())) {
      h.open();
      h.setProcessingTime(0);
      for (int s = 0; s < 3; s++) {
        for (int i = 0; i < 4; i++) {
          h.setProcessingTime(i * TTL.toMillis() / 4);
          h.processElement(measurement("t" + s, "t" + s + "-e" + i, i), i);
        }
      }
      assertThat(h.numProcessingTimeTimers()).isEqualTo(3); // one per series
      h.setProcessingTime(TTL.toMillis() + 1); // the first id of each series expires
      assertThat(h.numProcessingTimeTimers()).isEqualTo(3);
      h.processElement(measurement("t0", "t0-e0", 0), 10); // forgotten: passes again
      h.processElement(measurement("t0", "t0-e3", 0), 11); // still remembered
      assertThat(unique(h)).hasSize(13);
      h.setProcessingTime(3 * TTL.toMillis());
      h.processWatermark(Duration.ofMinutes(1).toMillis()); // the windows close too
      assertThat(h.numProcessingTimeTimers()).isZero();
      assertThat(h.numKeyedStateEntries()).isZero();
    }
  }

  @Test
  void theTtlOfEachIdSurvivesASnapshotAndRunsOnAfterTheRestore() throws Exception {
    OperatorSubtaskState snapshot;
    try (var h = harness(new CapturedMetrics())) {
      h.open();
      h.setProcessingTime(0);
      h.processElement(measurement("a", 1), 1);
      h.setProcessingTime(TTL.toMillis() / 2);
      h.processElement(measurement("b", 2), 2); // same series, remembered half a TTL longer
      snapshot = h.snapshot(1L, 10L);
    }
    CapturedMetrics metrics = new CapturedMetrics();
    try (var restored = harness(metrics)) {
      restored.initializeState(snapshot);
      restored.open();
      restored.setProcessingTime(TTL.toMillis() + 1); // the restored cleanup timer fires
      restored.processElement(measurement("a", 1), 3); // "a" has expired
      restored.processElement(measurement("b", 2), 4); // "b" has not
      assertThat(unique(restored)).extracting(Measurement::eventId).containsExactly("a");
      assertThat(metrics.count("duplicates")).isEqualTo(1);
      assertThat(restored.numProcessingTimeTimers()).isEqualTo(1);
    }
  }

  @Test
  void eventIdsAreTheBitsOfCanonicalUuidsAndAHashOfAnythingElse() {
    String uuid = "7d0f2a64-1c1e-4e55-9f3a-0b1c2d3e4f50";
    assertThat(Dedupe.eventIdOf(measurement(uuid, 1)))
        .isEqualTo(Tuple2.of(0x7d0f2a641c1e4e55L, 0x9f3a0b1c2d3e4f50L));
    // the same id always maps to the same key; different ids (even the same UUID spelled in
    // upper case, or ids a lenient UUID parser would read alike) to different ones
    assertThat(Dedupe.eventIdOf(measurement("retry-1", 1)))
        .isEqualTo(Dedupe.eventIdOf(measurement("retry-1", 2)));
    assertThat(
            java.util.stream.Stream.of(
                    uuid,
                    uuid.toUpperCase(java.util.Locale.ROOT),
                    "1-1-1-1-1",
                    "01-1-1-1-1",
                    "a",
                    "b")
                .map(id -> Dedupe.eventIdOf(measurement(id, 1)))
                .distinct())
        .hasSize(6);
  }

  @Test
  void canonicalUuidsAreReadLikeUuidFromString() {
    java.util.Random random = new java.util.Random(7);
    for (int i = 0; i < 10_000; i++) {
      java.util.UUID u = new java.util.UUID(random.nextLong(), random.nextLong());
      assertThat(Dedupe.isCanonicalUuid(u.toString())).isTrue();
      assertThat(Dedupe.eventIdOf(measurement(u.toString(), 1)))
          .isEqualTo(Tuple2.of(u.getMostSignificantBits(), u.getLeastSignificantBits()));
    }
    for (String id :
        new String[] {
          "7D0F2A64-1C1E-4E55-9F3A-0B1C2D3E4F50",
          "7d0f2a64-1c1e-4e55-9f3a-0b1c2d3e4f5",
          "7d0f2a64-1c1e-4e55-9f3a-0b1c2d3e4f50a",
          "7d0f2a641-c1e-4e55-9f3a-0b1c2d3e4f50",
          "7d0f2a64-1c1e-4e55-9f3a-0b1c2d3e4f5g",
          "+d0f2a64-1c1e-4e55-9f3a-0b1c2d3e4f50",
          "1-1-1-1-1",
          // each character next to the hex digits in the character set, a dash where a digit
          // goes, and characters past 127, one (U+0130) whose low byte is the digit '0'
          "7d0f2a64-1c1e-4e55-9f3a-0b1c2d3e4f5:",
          "7d0f2a64-1c1e-4e55-9f3a-0b1c2d3e4f5/",
          "7d0f2a64-1c1e-4e55-9f3a-0b1c2d3e4f5`",
          "7d0f2a64-1c1e-4e55-9f3a-0b1c2d3e4f5G",
          "-d0f2a64-1c1e-4e55-9f3a-0b1c2d3e4f50",
          "7d0f2a64-1c1e-4e55-9f3a-0b1c2d3e4f5\u00e9",
          "\u0130d0f2a64-1c1e-4e55-9f3a-0b1c2d3e4f50",
          "7d0f2a64-1c1e-4e55-9f3a-\u01300b1c2d3e4f5"
        }) {
      assertThat(Dedupe.isCanonicalUuid(id)).as(id).isFalse();
      java.util.UUID hashed =
          java.util.UUID.nameUUIDFromBytes(id.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      // its MD5 name-based UUID, with the variant bits 111 that no RFC 4122 UUID has
      assertThat(Dedupe.eventIdOf(measurement(id, 1)))
          .isEqualTo(
              Tuple2.of(
                  hashed.getMostSignificantBits(),
                  hashed.getLeastSignificantBits() | 0xE000_0000_0000_0000L));
    }
  }

  @Test
  void anIdAndTheNameBasedUuidOfItAreTwoEvents() throws Exception {
    String plain = "run-7";
    String sameNameUuid =
        java.util
            .UUID
            .nameUUIDFromBytes(plain.getBytes(java.nio.charset.StandardCharsets.UTF_8))
            .toString();
    assertThat(Dedupe.isCanonicalUuid(sameNameUuid)).isTrue();
    CapturedMetrics metrics = new CapturedMetrics();
    try (var h = harness(metrics)) {
      h.open();
      h.processElement(measurement(plain, 1), 1);
      h.processElement(measurement(sameNameUuid, 2), 2);
      h.processElement(measurement(plain, 1), 3); // and each is still deduped against itself
      h.processElement(measurement(sameNameUuid, 2), 4);
      assertThat(unique(h)).extracting(Measurement::eventId).containsExactly(plain, sameNameUuid);
      assertThat(metrics.count("duplicates")).isEqualTo(2);
    }
  }

  @Test
  void idsKeptOneEntryEachAreAdoptedByTheTableWithTheirExpiry() throws Exception {
    OperatorSubtaskState snapshot;
    try (var h = harness(function("rocksdb"), new CapturedMetrics())) {
      h.open();
      h.setProcessingTime(0);
      h.processElement(measurement("a", 1), 1);
      h.setProcessingTime(TTL.toMillis() / 2);
      h.processElement(measurement("b", 2), 2);
      snapshot = h.snapshot(1L, 10L);
    }
    CapturedMetrics metrics = new CapturedMetrics();
    try (var restored = harness(function(HASHMAP), metrics)) {
      restored.initializeState(snapshot);
      restored.open();
      restored.setProcessingTime(TTL.toMillis() / 2 + 1);
      restored.processElement(measurement("a", 1), 3); // remembered: dropped
      restored.processElement(measurement("c", 3), 4);
      restored.setProcessingTime(TTL.toMillis() + TTL.toMillis() / 8 + 1); // "a" expires
      restored.processElement(measurement("a", 1), 5);
      restored.processElement(measurement("b", 2), 6); // still remembered
      assertThat(unique(restored)).extracting(Measurement::eventId).containsExactly("c", "a");
      assertThat(metrics.count("duplicates")).isEqualTo(2);
      restored.setProcessingTime(5 * TTL.toMillis());
      restored.processWatermark(Duration.ofMinutes(1).toMillis()); // the windows close too
      assertThat(restored.numProcessingTimeTimers()).isZero();
      assertThat(restored.numKeyedStateEntries()).isZero();
    }
  }
}
