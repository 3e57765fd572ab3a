package net.qoe.job.baseline;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.DayOfWeek;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.qoe.job.window.SeriesAccumulator;
import net.qoe.job.window.SeriesAggregate;
import net.qoe.kafka.message.Measurement;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class SeriesBaselinesTest {

  private static final long MINUTE = 60_000;

  /** Monday 2026-01-05 00:00 UTC. */
  private static final long MONDAY =
      LocalDateTime.of(2026, 1, 5, 0, 0)
          .with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY))
          .toInstant(ZoneOffset.UTC)
          .toEpochMilli();

  private final BaselinePolicy policy = BaselinePolicy.defaults();
  private final Random random = new Random(3);

  @Test
  void scoresNothingUntilWarmAndSizesTheWarmUpInSamples() {
    SeriesBaselines.Baselines b = new SeriesBaselines.Baselines();
    // one measurement per window: 20 windows are not 30 samples yet
    for (int w = 0; w < 30; w++) {
      assertThat(SeriesBaselines.score(b, window(MONDAY + w * MINUTE, 1, 50), policy).scores())
          .isEmpty();
    }
    assertThat(SeriesBaselines.score(b, window(MONDAY + 30 * MINUTE, 1, 50), policy).scores())
        .containsKey(Headlines.TOTAL);

    // six per window: warm after the 20-window minimum
    SeriesBaselines.Baselines busy = new SeriesBaselines.Baselines();
    for (int w = 0; w < 20; w++) {
      assertThat(SeriesBaselines.score(busy, window(MONDAY + w * MINUTE, 6, 50), policy).scores())
          .isEmpty();
    }
    assertThat(SeriesBaselines.score(busy, window(MONDAY + 20 * MINUTE, 6, 50), policy).scores())
        .isNotEmpty();
  }

  @Test
  void aTargetThatIsAlwaysSlowAtNineOnMondaysIsNormalThenButNotOnTuesday() {
    SeriesBaselines.Baselines b = new SeriesBaselines.Baselines();
    // three weeks: 50 ms, except Mondays 09:00-10:00 at 200 ms
    for (int week = 0; week < 3; week++) {
      for (long m = 0; m < 7 * 24 * 60; m += 5) {
        long t = MONDAY + week * 7 * 24 * 60 * MINUTE + m * MINUTE;
        boolean mondayNine = m >= 9 * 60 && m < 10 * 60;
        SeriesBaselines.score(b, window(t, 4, mondayNine ? 200 : 50), policy);
      }
    }
    long fourthMonday = MONDAY + 3 * 7 * 24 * 60 * MINUTE;
    ScoredWindow mondayNine =
        SeriesBaselines.score(
            b, window(fourthMonday + 9 * 60 * MINUTE + 30 * MINUTE, 4, 200), policy);
    assertThat(mondayNine.anomalous()).isFalse();
    ScoredWindow tuesdayNine =
        SeriesBaselines.score(
            b, window(fourthMonday + (24 + 9) * 60 * MINUTE + 30 * MINUTE, 4, 200), policy);
    assertThat(tuesdayNine.anomalous()).isTrue();
    assertThat(tuesdayNine.worst()).isEqualTo(Headlines.TOTAL);
    assertThat(tuesdayNine.scores().get(Headlines.TOTAL).expected()).isBetween(45.0, 60.0);
  }

  @Test
  void anomalousWindowsDoNotTeachTheBaseline() throws Exception {
    SeriesBaselines.Baselines b = warm();
    String before = b.get(Headlines.TOTAL).learnedState();
    ScoredWindow spike = SeriesBaselines.score(b, window(MONDAY + 100 * MINUTE, 4, 400), policy);
    assertThat(spike.anomalous()).isTrue();
    assertThat(spike.maxScore()).isGreaterThan(policy.anomalyScore());
    assertThat(b.get(Headlines.TOTAL).learnedState()).isEqualTo(before);
    // a normal window does
    assertThat(SeriesBaselines.score(b, window(MONDAY + 101 * MINUTE, 4, 51), policy).anomalous())
        .isFalse();
    assertThat(b.get(Headlines.TOTAL).learnedState()).isNotEqualTo(before);
  }

  @Test
  void oneNoisyWindowIsSuspectButNotAnAlarmAndASecondInARowConfirmsIt() {
    SeriesBaselines.Baselines b = warm();
    String learned = b.get(Headlines.TOTAL).learnedState();
    ScoredWindow first = SeriesBaselines.score(b, window(MONDAY + 60 * MINUTE, 4, 64), policy);
    assertThat(first.maxScore()).isBetween(policy.anomalyScore(), policy.immediateScore());
    assertThat(first.anomalous()).isFalse();
    // suspect: it teaches the baseline nothing
    assertThat(b.get(Headlines.TOTAL).learnedState()).isEqualTo(learned);
    ScoredWindow second = SeriesBaselines.score(b, window(MONDAY + 61 * MINUTE, 4, 64), policy);
    assertThat(second.anomalous()).isTrue();
    ScoredWindow back = SeriesBaselines.score(b, window(MONDAY + 62 * MINUTE, 4, 50), policy);
    assertThat(back.anomalous()).isFalse();
    // far out, a single window is an alarm at once
    ScoredWindow spike = SeriesBaselines.score(b, window(MONDAY + 63 * MINUTE, 4, 150), policy);
    assertThat(spike.maxScore()).isGreaterThan(policy.immediateScore());
    assertThat(spike.anomalous()).isTrue();
  }

  @Test
  void lossIsPooledOverWindowsWhereNoSingleWindowShowsIt() {
    SeriesBaselines.Baselines b = new SeriesBaselines.Baselines();
    // 40 packets a window, one lost every tenth window (0.25 %)
    for (int w = 0; w < 200; w++) {
      SeriesBaselines.score(b, udp(MONDAY + w * MINUTE, w % 10 == 0 ? 1 : 0), policy);
    }
    // two lost in every window (5 %): one window alone is under two spreads
    ScoredWindow first = SeriesBaselines.score(b, udp(MONDAY + 200 * MINUTE, 2), policy);
    assertThat(first.anomalous()).isFalse();
    ScoredWindow second = SeriesBaselines.score(b, udp(MONDAY + 201 * MINUTE, 2), policy);
    assertThat(second.anomalous()).isTrue();
    assertThat(second.worst()).isEqualTo(Headlines.LOSS);
    assertThat(
            new net.qoe.job.diagnosis.Diagnoser(policy.anomalyScore(), 7).diagnose(second).label())
        .isEqualTo(net.qoe.job.diagnosis.Diagnosis.LOSS);
    // and it clears within a few windows once the loss is over
    boolean cleared = false;
    for (int w = 202; w < 206 && !cleared; w++) {
      cleared = !SeriesBaselines.score(b, udp(MONDAY + w * MINUTE, 0), policy).anomalous();
    }
    assertThat(cleared).isTrue();
  }

  /** Two udp runs of 20 packets at 20 ms; {@code lost} of the 40 lost. */
  @Test
  void theBandDecidesWhatIsSuspectAndWhatAlarmsAtOnce() {
    BaselinePolicy narrow = policy.withBand(3);
    assertThat(narrow.anomalyScore()).isEqualTo(3.0);
    assertThat(narrow.immediateScore()).isEqualTo(6.0);
    SeriesBaselines.Baselines wide = new SeriesBaselines.Baselines();
    SeriesBaselines.Baselines tight = new SeriesBaselines.Baselines();
    for (int w = 0; w < 60; w++) {
      SeriesAggregate a = window(MONDAY + w * MINUTE, 4, 50 + (w % 5));
      SeriesBaselines.score(wide, a, policy);
      SeriesBaselines.score(tight, a, narrow);
    }
    long t = MONDAY + 60 * MINUTE;
    MetricBaseline.Expectation e =
        wide.get(Headlines.TOTAL).expect(SeriesBaselines.hourOfWeek(t), policy);
    // 3.5 spreads up for two windows: an alarm (confirmed) with a band of 3, nothing with 4
    double offBy3 = e.value() + 3.5 * e.sigma();
    ScoredWindow first = SeriesBaselines.score(tight, window(t, 4, offBy3), narrow);
    assertThat(first.scores().get(Headlines.TOTAL).score()).isBetween(3.0, 4.0);
    assertThat(first.anomalous()).isFalse();
    assertThat(SeriesBaselines.score(tight, window(t + MINUTE, 4, offBy3), narrow).anomalous())
        .isTrue();
    SeriesBaselines.score(wide, window(t, 4, offBy3), policy);
    assertThat(SeriesBaselines.score(wide, window(t + MINUTE, 4, offBy3), policy).anomalous())
        .isFalse();
    // 7 spreads up in one window: an alarm at once with a band of 3 (twice the band), not with 4
    double offBy7 = e.value() + 7 * e.sigma();
    assertThat(SeriesBaselines.score(tight, window(t + 5 * MINUTE, 4, offBy7), narrow).anomalous())
        .isTrue();
    assertThat(SeriesBaselines.score(wide, window(t + 5 * MINUTE, 4, offBy7), policy).anomalous())
        .isFalse();
  }

  static SeriesAggregate udp(long start, int lost) {
    SeriesAccumulator acc = new SeriesAccumulator();
    for (int r = 0; r < 2; r++) {
      List<Double> rtts = new ArrayList<>();
      int lostHere = r == 0 ? (lost + 1) / 2 : lost / 2;
      for (int p = 0; p < 20; p++) {
        rtts.add(p < lostHere ? null : 20.0 + 0.1 * (p % 3));
      }
      acc.add(
          new Measurement(
              1,
              "u" + r,
              "probe-a",
              "echo",
              "udp",
              1,
              start + r,
              true,
              null,
              rtts,
              20,
              20 - lostHere,
              Map.of()));
    }
    return acc.toAggregate(start, start + MINUTE);
  }

  @Test
  void aWindowReFiredByLateDataIsScoredButNotLearnedTwice() {
    SeriesBaselines.Baselines b = warm();
    SeriesAggregate first = window(MONDAY + 60 * MINUTE, 4, 52);
    SeriesBaselines.score(b, first, policy);
    String learned = b.get(Headlines.TOTAL).learnedState();
    ScoredWindow refired = SeriesBaselines.score(b, window(MONDAY + 60 * MINUTE, 5, 52), policy);
    assertThat(refired.scores()).containsKey(Headlines.TOTAL);
    assertThat(b.get(Headlines.TOTAL).learnedState()).isEqualTo(learned);
  }

  @Test
  void aReFiredWindowIsJudgedFromWhereTheSeriesStoodBeforeItNotFromLaterWindows() {
    SeriesBaselines.Baselines b = new SeriesBaselines.Baselines();
    for (int w = 0; w < 200; w++) {
      SeriesBaselines.score(b, udp(MONDAY + w * MINUTE, w % 10 == 0 ? 1 : 0), policy);
    }
    assertThat(SeriesBaselines.score(b, udp(MONDAY + 200 * MINUTE, 0), policy).anomalous())
        .isFalse();
    SeriesBaselines.score(b, udp(MONDAY + 201 * MINUTE, 2), policy);
    assertThat(SeriesBaselines.score(b, udp(MONDAY + 202 * MINUTE, 2), policy).anomalous())
        .isTrue();
    // window 200 again with late data, still without loss: the loss that came after is not its
    ScoredWindow again = SeriesBaselines.score(b, udp(MONDAY + 200 * MINUTE, 0), policy);
    assertThat(again.anomalous()).isFalse();
    assertThat(again.maxScore()).isLessThan(policy.anomalyScore());
    // and the loss goes on being pooled for the next window as before
    assertThat(SeriesBaselines.score(b, udp(MONDAY + 203 * MINUTE, 2), policy).anomalous())
        .isTrue();
  }

  @Test
  void aWindowThatTurnsSuspectWhenItComesAgainCompleteConfirmsAsInOrder() {
    SeriesBaselines.Baselines b = warm();
    assertThat(SeriesBaselines.score(b, window(MONDAY + 60 * MINUTE, 4, 64), policy).anomalous())
        .isFalse(); // suspect, the first
    // window 61 fires with one run of four, normal, then complete: the second suspect in a row
    assertThat(SeriesBaselines.score(b, window(MONDAY + 61 * MINUTE, 1, 50), policy).anomalous())
        .isFalse();
    assertThat(SeriesBaselines.score(b, window(MONDAY + 61 * MINUTE, 4, 64), policy).anomalous())
        .isTrue();
    assertThat(SeriesBaselines.score(b, window(MONDAY + 62 * MINUTE, 4, 64), policy).anomalous())
        .isTrue();
  }

  @Test
  void aWindowThatIsNormalWhenItComesAgainCompleteStartsNoStreak() {
    SeriesBaselines.Baselines b = warm();
    // window 60 fires with one slow run, then complete and normal
    SeriesBaselines.score(b, window(MONDAY + 60 * MINUTE, 1, 64), policy);
    assertThat(SeriesBaselines.score(b, window(MONDAY + 60 * MINUTE, 4, 50), policy).anomalous())
        .isFalse();
    // so the next noisy window is the first suspect one, not an alarm
    ScoredWindow next = SeriesBaselines.score(b, window(MONDAY + 61 * MINUTE, 4, 64), policy);
    assertThat(next.maxScore()).isBetween(policy.anomalyScore(), policy.immediateScore());
    assertThat(next.anomalous()).isFalse();
  }

  @Test
  void whereTheLatestWindowsStoodSurvivesTheSerializerAndTheFirstFormatStillReads()
      throws Exception {
    SeriesBaselines.Baselines b = warm();
    SeriesBaselines.score(b, window(MONDAY + 60 * MINUTE, 4, 64), policy);
    var serializer = new SeriesBaselines.BaselinesSerializer();
    var out = new org.apache.flink.core.memory.DataOutputSerializer(4096);
    serializer.serialize(b, out);
    SeriesBaselines.Baselines copy =
        serializer.deserialize(
            new org.apache.flink.core.memory.DataInputDeserializer(out.getCopyOfBuffer()));
    assertThat(copy.recent).isEqualTo(b.recent).hasSize(SeriesBaselines.Baselines.RECENT_WINDOWS);
    assertThat(copy.recent.lastEntry().getValue().suspectStreak()).isZero();
    // the copy confirms window 61 as the original would
    assertThat(SeriesBaselines.score(copy, window(MONDAY + 61 * MINUTE, 4, 64), policy).anomalous())
        .isTrue();

    var v1 = new org.apache.flink.core.memory.DataOutputSerializer(64);
    v1.writeByte(1);
    v1.writeLong(MONDAY);
    v1.writeDouble(0.5); // loss cusum
    v1.writeInt(1); // suspect streak
    v1.writeDouble(2); // lost
    v1.writeDouble(400); // sent
    v1.writeInt(0); // no headlines
    SeriesBaselines.Baselines old =
        serializer.deserialize(
            new org.apache.flink.core.memory.DataInputDeserializer(v1.getCopyOfBuffer()));
    assertThat(old.lastWindowStartMs).isEqualTo(MONDAY);
    assertThat(old.suspectStreak).isEqualTo(1);
    assertThat(old.lossSent).isEqualTo(400);
    assertThat(old.recent).isEmpty();
  }

  @Test
  void nonFiniteValuesAreIgnoredRatherThanPoisoningTheBaseline() {
    SeriesBaselines.Baselines b = warm();
    String learned = b.get(Headlines.TOTAL).learnedState();
    ScoredWindow w = SeriesBaselines.score(b, window(MONDAY + 60 * MINUTE, 4, Double.NaN), policy);
    assertThat(w.anomalous()).isFalse();
    assertThat(b.get(Headlines.TOTAL).learnedState()).isEqualTo(learned);
  }

  @Test
  void baselinesSurviveARestoreFromACheckpoint() throws Exception {
    OperatorSubtaskState snapshot;
    List<ScoredWindow> firstRun = new ArrayList<>();
    try (var h = harness(null)) {
      for (int w = 0; w < 40; w++) {
        h.processElement(window(MONDAY + w * MINUTE, 4, 50 + random.nextGaussian()), w);
      }
      snapshot = h.snapshot(1, 40);
      h.processElement(window(MONDAY + 40 * MINUTE, 4, 300), 40);
      firstRun.addAll(h.extractOutputValues());
    }
    try (var h = harness(snapshot)) {
      h.processElement(window(MONDAY + 40 * MINUTE, 4, 300), 40);
      ScoredWindow afterRestore = h.extractOutputValues().get(0);
      assertThat(afterRestore).isEqualTo(firstRun.get(firstRun.size() - 1));
      assertThat(afterRestore.anomalous()).isTrue();
    }
  }

  private KeyedOneInputStreamOperatorTestHarness<String, SeriesAggregate, ScoredWindow> harness(
      OperatorSubtaskState restore) throws Exception {
    var h =
        new KeyedOneInputStreamOperatorTestHarness<>(
            new KeyedProcessOperator<>(new SeriesBaselines(policy)),
            a -> a.seriesKey().toString(),
            Types.STRING);
    h.setup();
    if (restore != null) {
      h.initializeState(restore);
    }
    h.open();
    return h;
  }

  private SeriesBaselines.Baselines warm() {
    SeriesBaselines.Baselines b = new SeriesBaselines.Baselines();
    for (int w = 0; w < 60; w++) {
      SeriesBaselines.score(b, window(MONDAY + w * MINUTE, 4, 50 + random.nextGaussian()), policy);
    }
    return b;
  }

  @Test
  void aBaselineSurvivesItsSerializer() throws Exception {
    MetricBaseline b = warm().get(Headlines.TOTAL);
    var out = new org.apache.flink.core.memory.DataOutputSerializer(4096);
    b.write(out);
    MetricBaseline copy =
        MetricBaseline.read(
            new org.apache.flink.core.memory.DataInputDeserializer(out.getCopyOfBuffer()));
    assertThat(copy).isEqualTo(b);
    assertThat(copy.learnedState()).isEqualTo(b.learnedState());
  }

  static SeriesAggregate window(long start, int runs, double totalMs) {
    SeriesAccumulator acc = new SeriesAccumulator();
    for (int i = 0; i < runs; i++) {
      acc.add(
          new Measurement(
              1,
              "e" + i,
              "probe-a",
              "web",
              "http",
              1,
              start + i,
              true,
              null,
              null,
              null,
              null,
              Map.of("total_ms", totalMs)));
    }
    return acc.toAggregate(start, start + MINUTE);
  }
}
