package net.qoe.job.escalation;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import net.qoe.job.baseline.Headlines;
import net.qoe.job.baseline.MetricScore;
import net.qoe.job.baseline.ScoredWindow;
import net.qoe.job.diagnosis.DiagnosedWindow;
import net.qoe.job.diagnosis.Diagnosis;
import net.qoe.job.window.SeriesAccumulator;
import net.qoe.job.window.SeriesAggregate;
import net.qoe.kafka.message.Measurement;
import net.qoe.kafka.message.MeasurementError;
import net.qoe.kafka.message.TierCommand;
import net.qoe.kafka.serde.MessageSigner;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;

class TierEscalatorTest {

  private static final long MINUTE = 60_000;
  private static final long T0 = 1_767_225_600_000L;

  private final AutoPerfConfig config = AutoPerfConfig.defaults();

  @Test
  void escalatesAfterOneWindowOverTheHttpThresholdWithTheNumbersInTheReason() throws Exception {
    try (var h = harness(config)) {
      h.setProcessingTime(T0);
      h.processElement1(http("probe-a", "web", 0, 2450), T0);
      TierTransition t = single(h);
      assertThat(t.fromTier()).isEqualTo(1);
      assertThat(t.toTier()).isEqualTo(2);
      assertThat(t.reason()).isEqualTo("http total p95 2450 ms > 2000 ms for 1 window");
      assertThat(t.tests()).containsExactlyElementsOf(config.tier2Tests());
      assertThat(t.expiresMs()).isEqualTo(T0 + config.commandTtl().toMillis());

      TierCommand command = t.toCommand(MessageSigner.fromSecret("0123456789abcdef0123"));
      assertThat(MessageSigner.fromSecret("0123456789abcdef0123").verify(command)).isTrue();
      assertThat(command.toTier()).isEqualTo(2);
    }
  }

  @Test
  void healthyWindowsDoNotEscalate() throws Exception {
    try (var h = harness(config)) {
      for (int w = 0; w < 5; w++) {
        h.processElement1(http("probe-a", "web", w, 120), T0);
      }
      assertThat(h.extractOutputValues()).isEmpty();
    }
  }

  @Test
  void needsConsecutiveBreachingWindowsWhenConfiguredSo() throws Exception {
    AutoPerfConfig two = with(config, 2, config.cooldown());
    try (var h = harness(two)) {
      h.processElement1(http("probe-a", "web", 0, 2500), T0);
      h.processElement1(http("probe-a", "web", 1, 100), T0); // breaks the streak
      h.processElement1(http("probe-a", "web", 2, 2500), T0);
      assertThat(h.extractOutputValues()).isEmpty();
      // another test of the same pair, same window, healthy: does not break the streak
      h.processElement1(tcp("probe-a", "web", 3), T0);
      h.processElement1(http("probe-a", "web", 3, 2600), T0);
      assertThat(single(h).reason()).endsWith("for 2 windows");
    }
  }

  @Test
  void goesToTier3OnATier2BreachAndComesBackDownAfterHealthyWindows() throws Exception {
    try (var h = harness(config)) {
      h.setProcessingTime(T0);
      h.processElement1(http("probe-a", "web", 0, 2450), T0);
      h.processElement1(bandwidth("probe-a", "web", 1, 6.0), T0);
      h.setProcessingTime(T0 + MINUTE);
      for (int w = 2; w < 5; w++) {
        h.processElement1(http("probe-a", "web", w, 100), T0);
        h.processElement1(bandwidth("probe-a", "web", w, 95.0), T0);
      }
      h.setProcessingTime(T0 + 2 * MINUTE);
      for (int w = 5; w < 8; w++) {
        h.processElement1(http("probe-a", "web", w, 100), T0);
      }
      List<TierTransition> out = h.extractOutputValues();
      assertThat(out)
          .extracting(t -> t.fromTier() + "->" + t.toTier())
          .containsExactly("1->2", "2->3", "3->2", "2->1");
      assertThat(out.get(1).reason()).isEqualTo("throughput p5 6.0 Mbps < 10 Mbps for 1 window");
      assertThat(out.get(1).tests()).containsExactlyElementsOf(config.tier3Tests());
      assertThat(out.get(2).reason()).isEqualTo("healthy for 3 windows");
      assertThat(out.get(2).previousTierMs()).isEqualTo(MINUTE);
      assertThat(out.get(3).tests()).isEmpty();
    }
  }

  @Test
  void aTier2BreachEscalatesWhateverOrderTheWindowsOfItsStartArriveIn() throws Exception {
    // at tier 2 the http test is still slow (a tier-1 breach) in the same window as the throttled
    // bandwidth run; windows of one start reach the escalator in either order
    for (boolean httpFirst : new boolean[] {true, false}) {
      try (var h = harness(config)) {
        h.setProcessingTime(T0);
        h.processElement1(http("probe-a", "web", 0, 2450), T0);
        DiagnosedWindow slow = http("probe-a", "web", 1, 2500);
        DiagnosedWindow thin = bandwidth("probe-a", "web", 1, 8.0);
        h.processElement1(httpFirst ? slow : thin, T0);
        h.processElement1(httpFirst ? thin : slow, T0);
        assertThat(h.extractOutputValues())
            .as("http first: %s", httpFirst)
            .extracting(t -> t.fromTier() + "->" + t.toTier())
            .containsExactly("1->2", "2->3");
      }
    }
  }

  @Test
  void atTier2AWindowStartWithOnlyTier1BreachesBreaksTheTier2Streak() throws Exception {
    AutoPerfConfig two = with(config, 2, config.cooldown());
    try (var h = harness(two)) {
      h.setProcessingTime(T0);
      h.processElement1(http("probe-a", "web", 0, 2450), T0);
      h.processElement1(http("probe-a", "web", 1, 2450), T0);
      assertThat(h.extractOutputValues()).hasSize(1);
      // windows 2 and 4: bandwidth low and http slow, in both orders; window 3: only http slow
      h.processElement1(http("probe-a", "web", 2, 2500), T0);
      h.processElement1(bandwidth("probe-a", "web", 2, 8.0), T0);
      h.processElement1(http("probe-a", "web", 3, 2500), T0);
      h.processElement1(bandwidth("probe-a", "web", 4, 8.0), T0);
      h.processElement1(http("probe-a", "web", 4, 2500), T0);
      assertThat(h.extractOutputValues()).hasSize(1);
      // window 4 started a new streak (window 3 broke the one of window 2); window 5 is its second
      h.processElement1(bandwidth("probe-a", "web", 5, 8.0), T0);
      List<TierTransition> out = h.extractOutputValues();
      assertThat(out)
          .extracting(t -> t.fromTier() + "->" + t.toTier())
          .containsExactly("1->2", "2->3");
      assertThat(out.get(1).reason()).isEqualTo("throughput p5 8.0 Mbps < 10 Mbps for 2 windows");
    }
  }

  @Test
  void aWindowEmittedAgainForLateDataCountsOnceTowardsAStreak() throws Exception {
    // allowed lateness re-emits a window, complete, after newer ones: its start counts once
    AutoPerfConfig two = with(config, 2, config.cooldown());
    try (var h = harness(two)) {
      h.setProcessingTime(T0);
      h.processElement1(http("probe-a", "web", 0, 2500), T0);
      h.processElement1(http("probe-a", "web", 1, 100), T0);
      h.processElement1(http("probe-a", "web", 2, 2500), T0);
      h.processElement1(http("probe-a", "web", 0, 2600), T0); // window 0 again
      assertThat(h.extractOutputValues()).as("0 and 2 are apart").isEmpty();
      h.processElement1(http("probe-a", "web", 2, 2600), T0); // window 2 again
      assertThat(h.extractOutputValues()).isEmpty();
      // the next start makes two with window 2, counted once
      h.processElement1(http("probe-a", "web", 3, 2500), T0);
      assertThat(single(h).reason()).endsWith("for 2 windows");
    }
  }

  @Test
  void aHealthyWindowEmittedAgainDoesNotBringThePairDownEarly() throws Exception {
    try (var h = harness(config)) {
      h.setProcessingTime(T0);
      h.processElement1(http("probe-a", "web", 0, 2450), T0);
      assertThat(h.extractOutputValues()).hasSize(1);
      h.processElement1(http("probe-a", "web", 1, 100), T0);
      h.processElement1(http("probe-a", "web", 2, 100), T0);
      h.processElement1(http("probe-a", "web", 1, 110), T0); // window 1 again
      h.processElement1(http("probe-a", "web", 2, 110), T0); // window 2 again
      // windows from before the escalation, emitted again, do not count either
      h.processElement1(http("probe-a", "web", 0, 120), T0);
      assertThat(h.extractOutputValues()).hasSize(1);
      h.processElement1(http("probe-a", "web", 3, 100), T0);
      List<TierTransition> out = h.extractOutputValues();
      assertThat(out)
          .extracting(t -> t.fromTier() + "->" + t.toTier())
          .containsExactly("1->2", "2->1");
      assertThat(out.get(1).reason()).isEqualTo("healthy for 3 windows");
    }
  }

  @Test
  void aLateTier2BreachOfAnOlderStartStillEscalatesButItsRepeatDoesNotCountTwice()
      throws Exception {
    // a bandwidth run outlasts its window: its window comes again after newer http windows
    AutoPerfConfig two = with(config, 2, config.cooldown());
    try (var h = harness(two)) {
      h.setProcessingTime(T0);
      h.processElement1(http("probe-a", "web", 0, 2450), T0);
      h.processElement1(http("probe-a", "web", 1, 2450), T0);
      assertThat(h.extractOutputValues()).hasSize(1);
      h.processElement1(http("probe-a", "web", 3, 2500), T0);
      h.processElement1(http("probe-a", "web", 4, 2500), T0);
      h.processElement1(bandwidth("probe-a", "web", 3, 8.0), T0);
      h.processElement1(bandwidth("probe-a", "web", 3, 7.0), T0); // the same start, again
      assertThat(h.extractOutputValues()).hasSize(1);
      h.processElement1(bandwidth("probe-a", "web", 2, 8.0), T0); // the start before: a streak
      List<TierTransition> out = h.extractOutputValues();
      assertThat(out)
          .extracting(t -> t.fromTier() + "->" + t.toTier())
          .containsExactly("1->2", "2->3");
      assertThat(out.get(1).reason()).isEqualTo("throughput p5 8.0 Mbps < 10 Mbps for 2 windows");
    }
  }

  @Test
  void windowsOfAnotherTestDoNotBringThePairDownWhileTheSlowTestIsStillSlow() throws Exception {
    try (var h = harness(config)) {
      h.setProcessingTime(T0);
      h.processElement1(http("probe-a", "web", 0, 2500), T0);
      // http runs less often than tcp: windows 1-3 hold only healthy tcp results
      for (int w = 1; w < 4; w++) {
        h.processElement1(tcp("probe-a", "web", w), T0);
      }
      h.processElement1(http("probe-a", "web", 4, 2600), T0);
      assertThat(h.extractOutputValues())
          .extracting(t -> t.fromTier() + "->" + t.toTier())
          .containsExactly("1->2");
      // http recovers: now its healthy windows, and tcp's with them, count
      h.processElement1(http("probe-a", "web", 5, 90), T0);
      h.processElement1(tcp("probe-a", "web", 6), T0);
      h.processElement1(tcp("probe-a", "web", 7), T0);
      assertThat(h.extractOutputValues())
          .extracting(t -> t.fromTier() + "->" + t.toTier())
          .containsExactly("1->2", "2->1");
    }
  }

  @Test
  void aSlowTestThatStopsReportingIsForgottenAfterTheHealthyWindows() throws Exception {
    try (var h = harness(config)) {
      h.setProcessingTime(T0);
      h.processElement1(http("probe-a", "web", 0, 2500), T0);
      // window 1-3: http silent, not yet forgotten (3 healthy windows of 1 minute)
      for (int w = 1; w <= 3; w++) {
        h.processElement1(tcp("probe-a", "web", w), T0);
      }
      assertThat(h.extractOutputValues()).hasSize(1);
      for (int w = 4; w <= 6; w++) {
        h.processElement1(tcp("probe-a", "web", w), T0);
      }
      assertThat(h.extractOutputValues())
          .extracting(t -> t.fromTier() + "->" + t.toTier())
          .containsExactly("1->2", "2->1");
    }
  }

  @Test
  void cooldownHoldsBackARepeatEscalation() throws Exception {
    AutoPerfConfig cfg = with(config, 1, Duration.ofMinutes(5));
    try (var h = harness(cfg)) {
      h.setProcessingTime(T0);
      h.processElement1(http("probe-a", "web", 0, 2450), T0);
      for (int w = 1; w <= 3; w++) {
        h.processElement1(http("probe-a", "web", w, 100), T0);
      }
      h.processElement1(http("probe-a", "web", 4, 2450), T0); // inside the cooldown
      assertThat(h.extractOutputValues()).hasSize(2);
      h.setProcessingTime(T0 + 6 * MINUTE);
      h.processElement1(http("probe-a", "web", 5, 2450), T0);
      assertThat(h.extractOutputValues()).hasSize(3);
    }
  }

  @Test
  void aProbeRunsDeepTestsForAtMostThreeTargetsAtOnce() throws Exception {
    try (var h = harness(config)) {
      for (String target : List.of("a", "b", "c", "d")) {
        h.processElement1(http("probe-a", target, 0, 3000), T0);
      }
      h.processElement1(http("probe-b", "a", 0, 3000), T0); // another probe has its own budget
      assertThat(h.extractOutputValues())
          .extracting(t -> t.probeId() + "/" + t.target())
          .containsExactly("probe-a/a", "probe-a/b", "probe-a/c", "probe-b/a");
    }
  }

  @Test
  void threeConsecutiveHardBreachesEscalateWithoutWaitingForTheWindow() throws Exception {
    try (var h = harness(config)) {
      h.processElement2(failedRun("probe-a", "web"), T0);
      h.processElement2(failedRun("probe-a", "web"), T0);
      h.processElement2(run("probe-a", "web", 80), T0); // a good run resets the streak
      h.processElement2(failedRun("probe-a", "web"), T0);
      h.processElement2(failedRun("probe-a", "web"), T0);
      assertThat(h.extractOutputValues()).isEmpty();
      h.processElement2(run("probe-a", "web", 2600), T0);
      TierTransition t = single(h);
      assertThat(t.toTier()).isEqualTo(2);
      assertThat(t.reason())
          .isEqualTo("3 hard breaches in a row, last: http total 2600 ms > 2000 ms");
    }
  }

  @Test
  void aHealthyRunOfAnotherTestDoesNotBreakAStreak() throws Exception {
    try (var h = harness(config)) {
      h.processElement2(testRun("web", "http", false, T0), T0);
      h.processElement2(testRun("web", "tcp", true, T0 + 1000), T0); // tcp still connects
      h.processElement2(testRun("web", "http", false, T0 + 30_000), T0);
      h.processElement2(testRun("web", "tcp", true, T0 + 31_000), T0);
      h.processElement2(testRun("other", "http", false, T0 + 40_000), T0); // another target
      assertThat(h.extractOutputValues()).isEmpty();
      h.processElement2(testRun("web", "http", false, T0 + 60_000), T0);
      TierTransition t = single(h);
      assertThat(t.target()).isEqualTo("web");
      assertThat(t.reason()).startsWith("3 hard breaches in a row, last: http run failed");
    }
  }

  @Test
  void breachesOfSeveralTestsOfAPairAddUp() throws Exception {
    try (var h = harness(config)) {
      // the target goes down: one round of its three tests escalates
      h.processElement2(testRun("web", "http", false, T0), T0);
      h.processElement2(testRun("web", "tcp", false, T0 + 1000), T0);
      assertThat(h.extractOutputValues()).isEmpty();
      h.processElement2(testRun("web", "udp", false, T0 + 2000), T0);
      TierTransition t = single(h);
      assertThat(t.toTier()).isEqualTo(2);
      assertThat(t.reason()).startsWith("3 hard breaches in a row, last: udp run failed");
    }
  }

  @Test
  void aStreakEndsWithItsOwnTestsHealthyRunOrWhenTheTestStopsReporting() throws Exception {
    try (var h = harness(config)) {
      h.processElement2(testRun("web", "tcp", false, T0), T0);
      h.processElement2(testRun("web", "http", false, T0 + 1000), T0);
      h.processElement2(testRun("web", "tcp", true, T0 + 30_000), T0); // tcp's streak ends
      h.processElement2(testRun("web", "http", false, T0 + 31_000), T0); // http: 2
      h.processElement2(testRun("web", "udp", false, T0 + 40_000), T0); // 2 + 1 escalates
      assertThat(single(h).reason()).startsWith("3 hard breaches in a row");
    }
    try (var h = harness(config)) {
      long horizon = TierEscalator.FAST_STREAK_HORIZON_MS;
      h.processElement2(testRun("web", "tcp", false, T0), T0);
      h.processElement2(testRun("web", "tcp", false, T0 + 30_000), T0);
      // tcp was taken out of the suite: its two breaches are too old to count
      h.processElement2(testRun("web", "http", false, T0 + 30_001 + horizon), T0);
      h.processElement2(testRun("web", "http", false, T0 + 60_000 + horizon), T0);
      assertThat(h.extractOutputValues()).isEmpty();
      h.processElement2(testRun("web", "http", false, T0 + 90_000 + horizon), T0);
      assertThat(single(h).reason()).startsWith("3 hard breaches in a row, last: http");
    }
  }

  @Test
  void fastStreaksSurviveARestore() throws Exception {
    OperatorSubtaskState snapshot;
    try (var h = harness(config)) {
      h.processElement2(testRun("web", "http", false, T0), T0);
      h.processElement2(testRun("web", "tcp", false, T0 + 1000), T0);
      snapshot = h.snapshot(1, T0);
    }
    try (var h = harness(config, snapshot)) {
      assertThat(h.extractOutputValues()).isEmpty();
      h.processElement2(testRun("web", "http", false, T0 + 30_000), T0);
      assertThat(single(h).reason()).startsWith("3 hard breaches in a row");
    }
  }

  @Test
  void tier3EndsAfterItsMaximumDwellAndCommandsAreRefreshedBeforeTheyExpire() throws Exception {
    try (var h = harness(config)) {
      h.setProcessingTime(T0);
      h.processElement1(http("probe-a", "web", 0, 2450), T0);
      h.processElement1(bandwidth("probe-a", "web", 1, 2.0), T0);
      h.setProcessingTime(T0 + 5 * MINUTE); // half the 10-minute command TTL
      h.setProcessingTime(T0 + 15 * MINUTE);
      List<TierTransition> out = h.extractOutputValues();
      assertThat(out)
          .extracting(t -> t.fromTier() + "->" + t.toTier())
          .containsExactly("1->2", "2->3", "3->3", "3->3", "3->2");
      // refreshed at half the TTL (5 and 10 min), each time with a later expiry
      assertThat(out.get(2).isRefresh()).isTrue();
      assertThat(out.get(2).atMs()).isEqualTo(T0 + 5 * MINUTE);
      assertThat(out.get(2).expiresMs()).isEqualTo(T0 + 15 * MINUTE);
      assertThat(out.get(3).expiresMs()).isEqualTo(T0 + 20 * MINUTE);
      assertThat(out.get(4).reason()).isEqualTo("maximum dwell in tier 3 (15 min) reached");
    }
  }

  @Test
  void stateSurvivesARestoreFromACheckpoint() throws Exception {
    OperatorSubtaskState snapshot;
    try (var h = harness(config)) {
      h.setProcessingTime(T0);
      h.processElement1(http("probe-a", "web", 0, 2450), T0);
      assertThat(h.extractOutputValues()).hasSize(1);
      snapshot = h.snapshot(1, T0);
    }
    try (var h = harness(config, snapshot)) {
      h.setProcessingTime(T0 + MINUTE);
      // already in tier 2: a further tier-1 breach changes nothing; tier-2 breach goes to 3
      h.processElement1(http("probe-a", "web", 1, 2450), T0);
      assertThat(h.extractOutputValues()).isEmpty();
      h.processElement1(bandwidth("probe-a", "web", 2, 1.0), T0);
      assertThat(single(h).fromTier()).isEqualTo(2);
    }
  }

  @Test
  void theSameDecisionReplayedGetsTheSameCommandId() throws Exception {
    String first;
    try (var h = harness(config)) {
      h.setProcessingTime(T0);
      h.processElement1(http("probe-a", "web", 0, 2450), T0);
      first = single(h).commandId();
    }
    try (var h = harness(config)) {
      h.setProcessingTime(T0 + 1234); // a replay runs later, the decision is the same
      h.processElement1(http("probe-a", "web", 0, 2450), T0);
      assertThat(single(h).commandId()).isEqualTo(first);
      h.processElement1(bandwidth("probe-a", "web", 1, 1.0), T0);
      assertThat(h.extractOutputValues().get(1).commandId()).isNotEqualTo(first);
    }
  }

  @Test
  void latencyFarAboveThisHoursBaselineForTwoWindowsEscalatesWithTheNumbers() throws Exception {
    try (var h = harness(config)) {
      h.setProcessingTime(T0);
      // 41 ms is under every fixed threshold, but 4.1 spreads above the usual 20 ms
      h.processElement1(overBaseline("probe-a", "web", 0, 4.1), T0);
      assertThat(h.extractOutputValues()).isEmpty();
      h.processElement1(overBaseline("probe-a", "web", 1, 4.3), T0);
      TierTransition t = single(h);
      assertThat(t.toTier()).isEqualTo(2);
      assertThat(t.reason())
          .isEqualTo(
              "udp latency p95 4.3 σ above this hour's baseline (41.5 ms vs 20.0 ms usual) for 2"
                  + " windows, congestion");
    }
  }

  @Test
  void aWindowBackUnderTheBaselineSigmaBreaksTheStreak() throws Exception {
    try (var h = harness(config)) {
      h.processElement1(overBaseline("probe-a", "web", 0, 5), T0);
      h.processElement1(overBaseline("probe-a", "web", 1, 1), T0);
      h.processElement1(overBaseline("probe-a", "web", 2, 5), T0);
      // another target of the same probe keeps its own streak
      h.processElement1(overBaseline("probe-a", "api", 2, 5), T0);
      assertThat(h.extractOutputValues()).isEmpty();
      h.processElement1(overBaseline("probe-a", "web", 3, 5), T0);
      assertThat(single(h).reason()).contains("for 2 windows");
    }
  }

  @Test
  void aWindowOverTheBaselineEmittedAgainDoesNotJoinAStreakItWasCutFrom() throws Exception {
    try (var h = harness(config)) {
      h.processElement1(overBaseline("probe-a", "web", 5, 5), T0);
      h.processElement1(overBaseline("probe-a", "web", 6, 1), T0);
      h.processElement1(overBaseline("probe-a", "web", 7, 5), T0);
      h.processElement1(overBaseline("probe-a", "web", 5, 5), T0); // window 5 again
      h.processElement1(overBaseline("probe-a", "web", 7, 5), T0); // window 7 again
      assertThat(h.extractOutputValues()).isEmpty();
      // a late window right before 5 does make a streak with it
      h.processElement1(overBaseline("probe-a", "web", 4, 5), T0);
      assertThat(single(h).reason()).contains("for 2 windows");
    }
  }

  @Test
  void theBaselineHookCanBeSwitchedOff() throws Exception {
    AutoPerfConfig off =
        AutoPerfConfig.load(null, Map.of("AUTOPERF_ESCALATION_BASELINE_SIGMA", "off"));
    assertThat(off.baselineEnabled()).isFalse();
    try (var h = harness(off)) {
      for (int w = 0; w < 5; w++) {
        h.processElement1(overBaseline("probe-a", "web", w, 9), T0);
      }
      assertThat(h.extractOutputValues()).isEmpty();
    }
  }

  @Test
  void theBaselineStreakSurvivesARestore() throws Exception {
    OperatorSubtaskState snapshot;
    try (var h = harness(config)) {
      h.processElement1(overBaseline("probe-a", "web", 0, 6), T0);
      snapshot = h.snapshot(1, T0);
    }
    try (var h = harness(config, snapshot)) {
      h.processElement1(overBaseline("probe-a", "web", 1, 6), T0);
      assertThat(single(h).reason()).contains("6.0 σ above").contains("for 2 windows");
    }
  }

  @Test
  void aBaselineStreakKeptByTheEarlierLayoutCarriesOn() throws Exception {
    // the state as the escalator kept it before per-start verdicts: window 0 over the sigma
    OperatorSubtaskState snapshot;
    try (var h =
        new KeyedTwoInputStreamOperatorTestHarness<>(
            new KeyedCoProcessOperator<>(new EarlierBaselineStreak(T0)),
            (DiagnosedWindow w) -> w.aggregate().probeId(),
            Measurement::probeId,
            Types.STRING)) {
      h.open();
      h.processElement1(overBaseline("probe-a", "web", 0, 6), T0);
      snapshot = h.snapshot(1, T0);
    }
    try (var h = harness(config, snapshot)) {
      h.processElement1(overBaseline("probe-a", "web", 1, 6), T0);
      assertThat(single(h).reason()).contains("for 2 windows");
    }
  }

  /** Writes the baseline streak of a window over the sigma as the earlier escalator did. */
  private static final class EarlierBaselineStreak
      extends org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction<
          String, DiagnosedWindow, Measurement, TierTransition> {
    private final long windowStart;

    EarlierBaselineStreak(long windowStart) {
      this.windowStart = windowStart;
    }

    @Override
    public void processElement1(DiagnosedWindow w, Context ctx, Collector<TierTransition> out)
        throws Exception {
      getRuntimeContext()
          .getMapState(
              new org.apache.flink.api.common.state.MapStateDescriptor<>(
                  "baseline-streaks", Types.STRING, Types.TUPLE(Types.LONG, Types.INT, Types.LONG)))
          .put(
              w.aggregate().target(),
              org.apache.flink.api.java.tuple.Tuple3.of(windowStart, 1, Long.MIN_VALUE));
    }

    @Override
    public void processElement2(Measurement m, Context ctx, Collector<TierTransition> out) {}
  }

  /**
   * A udp window whose rtt p95 is {@code score} spreads (5 ms) above a 20 ms baseline, under the
   * fixed thresholds.
   */
  static DiagnosedWindow overBaseline(String probe, String target, long w, double score) {
    double value = 20 + score * 5;
    SeriesAggregate a =
        window(
            w,
            new Measurement(
                1,
                "u",
                probe,
                target,
                "udp",
                1,
                T0,
                true,
                null,
                java.util.Arrays.asList(value, value),
                2,
                2,
                Map.of()));
    MetricScore s = new MetricScore(value, 20, 5, score);
    ScoredWindow scored = new ScoredWindow(a, Map.of(Headlines.RTT, s), score >= 4, Headlines.RTT);
    return DiagnosedWindow.of(
        scored,
        score >= 4 ? new Diagnosis(Diagnosis.CONGESTION, "rtt and jitter up") : Diagnosis.normal());
  }

  private static TierTransition single(
      KeyedTwoInputStreamOperatorTestHarness<String, DiagnosedWindow, Measurement, TierTransition>
          h) {
    assertThat(h.extractOutputValues()).hasSize(1);
    return h.extractOutputValues().get(0);
  }

  private static AutoPerfConfig with(AutoPerfConfig c, int windows, Duration cooldown) {
    return new AutoPerfConfig(
        c.pingLatencyMs(),
        c.packetLossPct(),
        c.httpResponseMs(),
        c.dnsTimeoutMs(),
        c.bandwidthMbps(),
        c.jitterMs(),
        c.hopCount(),
        c.sslExpiryDays(),
        windows,
        c.healthyWindowsToDeescalate(),
        cooldown,
        c.maxTier3Dwell(),
        c.maxPairsAboveTier1(),
        c.fastPathBreaches(),
        c.commandTtl(),
        c.tier2Tests(),
        c.tier3Tests(),
        c.baselineSigma(),
        c.baselineWindows());
  }

  static KeyedTwoInputStreamOperatorTestHarness<
          String, DiagnosedWindow, Measurement, TierTransition>
      harness(AutoPerfConfig config) throws Exception {
    return harness(config, null);
  }

  static KeyedTwoInputStreamOperatorTestHarness<
          String, DiagnosedWindow, Measurement, TierTransition>
      harness(AutoPerfConfig config, OperatorSubtaskState restore) throws Exception {
    var h =
        new KeyedTwoInputStreamOperatorTestHarness<>(
            new KeyedCoProcessOperator<>(new TierEscalator(config)),
            (DiagnosedWindow w) -> w.aggregate().probeId(),
            Measurement::probeId,
            Types.STRING);
    h.setup();
    if (restore != null) {
      h.initializeState(restore);
    }
    h.open();
    return h;
  }

  private static DiagnosedWindow unscored(long w, Measurement... runs) {
    return DiagnosedWindow.unscored(window(w, runs));
  }

  private static SeriesAggregate window(long w, Measurement... runs) {
    SeriesAccumulator acc = new SeriesAccumulator();
    for (Measurement m : runs) {
      acc.add(m);
    }
    return acc.toAggregate(T0 + w * MINUTE, T0 + (w + 1) * MINUTE);
  }

  static DiagnosedWindow http(String probe, String target, long w, double totalMs) {
    return DiagnosedWindow.unscored(
        window(w, run(probe, target, totalMs), run(probe, target, totalMs)));
  }

  static DiagnosedWindow tcp(String probe, String target, long w) {
    return unscored(
        w,
        new Measurement(
            1,
            "t",
            probe,
            target,
            "tcp",
            1,
            T0,
            true,
            null,
            null,
            null,
            null,
            Map.of("connect_ms", 0.3)));
  }

  static DiagnosedWindow bandwidth(String probe, String target, long w, double mbps) {
    return unscored(
        w,
        new Measurement(
            1,
            "b",
            probe,
            target,
            "bandwidth",
            2,
            T0,
            true,
            null,
            null,
            null,
            null,
            Map.of("throughput_mbps", mbps)));
  }

  static Measurement run(String probe, String target, double totalMs) {
    return new Measurement(
        1,
        "r",
        probe,
        target,
        "http",
        1,
        T0,
        true,
        null,
        null,
        null,
        null,
        Map.of("total_ms", totalMs));
  }

  /** A run of probe-a; a failed one is a hard breach, an ok one healthy. */
  static Measurement testRun(String target, String test, boolean ok, long tsMs) {
    return new Measurement(
        1,
        UUID.randomUUID().toString(),
        "probe-a",
        target,
        test,
        1,
        tsMs,
        ok,
        ok ? null : new MeasurementError("connect", "refused"),
        null,
        null,
        null,
        Map.of());
  }

  static Measurement failedRun(String probe, String target) {
    return new Measurement(
        1,
        "f",
        probe,
        target,
        "http",
        1,
        T0,
        false,
        new MeasurementError("timeout", "no response in 5000 ms"),
        null,
        null,
        null,
        Map.of());
  }
}
