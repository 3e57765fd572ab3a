package net.qoe.job.window;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.qoe.job.testing.CapturedMetrics;
import net.qoe.kafka.message.Measurement;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * {@link SeriesWindows} as a window operator: when windows fire, what timers and state they keep,
 * and that both state layouts and a restore give the same aggregates.
 */
class SeriesWindowsTimersTest {

  private static final long T0 = 1_767_225_600_000L; // a window start (2026-01-01T00:00Z)
  private static final long MINUTE = 60_000;
  private static final Duration LATENESS = Duration.ofSeconds(30);

  private int ids;

  private Measurement at(String target, long offsetMs, double totalMs) {
    return new Measurement(
        1,
        "e" + ids++,
        "probe-1",
        target,
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

  private static KeyedOneInputStreamOperatorTestHarness<String, Measurement, SeriesAggregate>
      harness(String stateBackend, Duration lateness, CapturedMetrics metrics) throws Exception {
    return new KeyedOneInputStreamOperatorTestHarness<>(
        new KeyedProcessOperator<>(
            SeriesWindows.create(
                Duration.ofMinutes(1), lateness, Duration.ofHours(1), stateBackend)),
        SeriesKeys::keyOf,
        Types.STRING,
        metrics.environment());
  }

  private static void send(
      KeyedOneInputStreamOperatorTestHarness<String, Measurement, SeriesAggregate> h, Measurement m)
      throws Exception {
    h.processElement(m, m.tsMs());
  }

  private static List<Measurement> late(
      KeyedOneInputStreamOperatorTestHarness<String, Measurement, SeriesAggregate> h) {
    var out = h.getSideOutput(SeriesWindows.LATE);
    return out == null ? List.of() : out.stream().map(StreamRecord::getValue).toList();
  }

  @Test
  void oneEndTimerAndOneCleanupTimerPerSeriesAndWindowWhateverTheCount() throws Exception {
    try (var h = harness("hashmap", LATENESS, new CapturedMetrics())) {
      h.open();
      for (int i = 0; i < 100; i++) {
        send(h, at("a", i * 500L, i));
      }
      for (int i = 0; i < 50; i++) {
        send(h, at("b", i * 1000L, i));
      }
      assertThat(h.numEventTimeTimers()).isEqualTo(4);
      send(h, at("a", MINUTE + 1, 1)); // the next window of "a"
      assertThat(h.numEventTimeTimers()).isEqualTo(6);
      assertThat(h.extractOutputValues()).isEmpty();
    }
  }

  @Test
  void theWatermarkFiresEachWindowOnceAtItsEndStampedWithItsLastMillisecond() throws Exception {
    CapturedMetrics metrics = new CapturedMetrics();
    try (var h = harness("hashmap", LATENESS, metrics)) {
      h.open();
      send(h, at("a", 10_000, 10));
      send(h, at("a", 20_000, 30));
      send(h, at("a", MINUTE + 5_000, 50));
      h.processWatermark(T0 + MINUTE - 2);
      assertThat(h.extractOutputValues()).isEmpty();
      h.processWatermark(T0 + MINUTE - 1);
      h.processWatermark(T0 + MINUTE + 10_000); // nothing more until the second window ends

      List<StreamRecord<? extends SeriesAggregate>> out = records(h);
      assertThat(out).hasSize(1);
      assertThat(out.get(0).getTimestamp()).isEqualTo(T0 + MINUTE - 1);
      SeriesAggregate first = out.get(0).getValue();
      assertThat(first.windowStartMs()).isEqualTo(T0);
      assertThat(first.windowEndMs()).isEqualTo(T0 + MINUTE);
      assertThat(first.count()).isEqualTo(2);
      assertThat(first.metrics().get("total_ms").mean()).isEqualTo(20);

      h.processWatermark(T0 + 2 * MINUTE);
      assertThat(h.extractOutputValues())
          .extracting(SeriesAggregate::windowStartMs, SeriesAggregate::count)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple(T0, 2L),
              org.assertj.core.groups.Tuple.tuple(T0 + MINUTE, 1L));
      assertThat(metrics.count("windows_emitted")).isEqualTo(2);
    }
  }

  @SuppressWarnings("unchecked")
  private static List<StreamRecord<? extends SeriesAggregate>> records(
      KeyedOneInputStreamOperatorTestHarness<String, Measurement, SeriesAggregate> h) {
    List<StreamRecord<? extends SeriesAggregate>> out = new ArrayList<>();
    for (Object o : h.getOutput()) {
      if (o instanceof StreamRecord<?> r) {
        out.add((StreamRecord<? extends SeriesAggregate>) r);
      }
    }
    return out;
  }

  @Test
  void aWindowIsDroppedOnceItsLatenessHasPassedAndLaterMeasurementsAreLate() throws Exception {
    try (var h = harness("hashmap", LATENESS, new CapturedMetrics())) {
      h.open();
      send(h, at("a", 10_000, 10));
      long entriesWithWindow = h.numKeyedStateEntries();
      h.processWatermark(T0 + MINUTE - 1 + LATENESS.toMillis() - 1);
      send(h, at("a", 20_000, 20)); // still within the lateness: the window fires again, complete
      assertThat(h.extractOutputValues())
          .extracting(SeriesAggregate::count)
          .containsExactly(1L, 2L);

      h.processWatermark(T0 + MINUTE - 1 + LATENESS.toMillis());
      assertThat(h.numEventTimeTimers()).isZero();
      assertThat(h.numKeyedStateEntries()).isEqualTo(entriesWithWindow - 1); // dedupe's is left
      send(h, at("a", 30_000, 30));
      assertThat(late(h)).extracting(Measurement::tsMs).containsExactly(T0 + 30_000);
      assertThat(h.extractOutputValues()).hasSize(2);
    }
  }

  @Test
  void withoutLatenessAWindowIsDroppedAsItFires() throws Exception {
    try (var h = harness("hashmap", Duration.ZERO, new CapturedMetrics())) {
      h.open();
      send(h, at("a", 10_000, 10));
      assertThat(h.numEventTimeTimers()).isEqualTo(1);
      long entriesWithWindow = h.numKeyedStateEntries();
      h.processWatermark(T0 + MINUTE - 1);
      assertThat(h.extractOutputValues()).hasSize(1);
      assertThat(h.numKeyedStateEntries()).isEqualTo(entriesWithWindow - 1);
      send(h, at("a", 59_999, 10));
      assertThat(late(h)).hasSize(1);
      assertThat(h.extractOutputValues()).hasSize(1);
    }
  }

  @Test
  void aLateDuplicateIsCountedAsADuplicateNotSentToLate() throws Exception {
    CapturedMetrics metrics = new CapturedMetrics();
    try (var h = harness("hashmap", LATENESS, metrics)) {
      h.open();
      Measurement m = at("a", 10_000, 10);
      send(h, m);
      h.processWatermark(T0 + 5 * MINUTE);
      send(h, m); // a spool replay long after the window closed
      assertThat(late(h)).isEmpty();
      assertThat(metrics.count("duplicates")).isEqualTo(1);
    }
  }

  @Test
  void afterARestoreLateMeasurementsAreJudgedByTheWatermarkOfTheCheckpoint() throws Exception {
    for (String backend : List.of("hashmap", "rocksdb")) {
      OperatorSubtaskState snapshot;
      try (var h = harness(backend, Duration.ofMinutes(5), new CapturedMetrics())) {
        h.open();
        send(h, at("a", 10_000, 10));
        send(h, at("a", 20_000, 20));
        send(h, at("b", 5 * MINUTE + 1_000, 30));
        h.processWatermark(T0 + 4 * MINUTE); // a's first window has fired, within its lateness
        assertThat(h.extractOutputValues()).extracting(SeriesAggregate::count).contains(2L);
        snapshot = h.snapshot(1L, 1L);
      }
      try (var h = harness(backend, Duration.ofMinutes(5), new CapturedMetrics())) {
        h.initializeState(snapshot);
        h.open();
        // no watermark yet after the restore: a late measurement of the fired window still
        // re-fires it at once, complete
        send(h, at("a", 30_000, 30));
        assertThat(h.extractOutputValues())
            .as(backend)
            .extracting(
                a -> a.seriesKey().target(), SeriesAggregate::windowStartMs, SeriesAggregate::count)
            .containsExactly(org.assertj.core.groups.Tuple.tuple("a", T0, 3L));
        // and one later than the lateness as of the checkpoint is late, not a new partial window
        send(h, at("b", -2 * MINUTE, 40));
        assertThat(late(h))
            .as(backend)
            .extracting(Measurement::tsMs)
            .containsExactly(T0 - 2 * MINUTE);
        assertThat(h.extractOutputValues()).hasSize(1);
      }
    }
  }

  @Test
  void bothStateLayoutsAndARestoreInTheMiddleGiveTheSameAggregates() throws Exception {
    List<Measurement> before = new ArrayList<>();
    List<Measurement> after = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      before.add(at(i % 2 == 0 ? "a" : "b", i * 1_000L, i));
      after.add(at(i % 2 == 0 ? "a" : "b", 40_000 + i * 1_000L, 100 + i));
    }
    Measurement lateWithinLateness = at("a", 59_000, 1_000);

    List<SeriesAggregate> reference = new ArrayList<>();
    for (String backend : List.of("hashmap", "rocksdb")) {
      List<SeriesAggregate> out = new ArrayList<>();
      OperatorSubtaskState snapshot;
      try (var h = harness(backend, LATENESS, new CapturedMetrics())) {
        h.open();
        for (Measurement m : before) {
          send(h, m);
        }
        snapshot = h.snapshot(1L, 1L);
      }
      try (var h = harness(backend, LATENESS, new CapturedMetrics())) {
        h.initializeState(snapshot);
        h.open();
        for (Measurement m : before.subList(0, 5)) {
          send(h, m); // replayed after the restore: duplicates
        }
        for (Measurement m : after) {
          send(h, m);
        }
        h.processWatermark(T0 + MINUTE + 10_000); // the first window fires
        send(h, lateWithinLateness);
        h.processWatermark(T0 + 3 * MINUTE);
        out.addAll(h.extractOutputValues());
      }
      out.sort(
          java.util.Comparator.comparing((SeriesAggregate a) -> a.seriesKey().toString())
              .thenComparingLong(SeriesAggregate::windowStartMs)
              .thenComparingLong(SeriesAggregate::count));
      if (reference.isEmpty()) {
        reference.addAll(out);
      } else {
        assertThat(out).as(backend).isEqualTo(reference);
      }
    }
    // per series: window 1 before and after the late one, window 2
    assertThat(reference)
        .extracting(
            a -> a.seriesKey().target(), SeriesAggregate::windowStartMs, SeriesAggregate::count)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("a", T0, 30L),
            org.assertj.core.groups.Tuple.tuple("a", T0, 31L),
            org.assertj.core.groups.Tuple.tuple("a", T0 + MINUTE, 10L),
            org.assertj.core.groups.Tuple.tuple("b", T0, 30L),
            org.assertj.core.groups.Tuple.tuple("b", T0 + MINUTE, 10L));
  }
}
