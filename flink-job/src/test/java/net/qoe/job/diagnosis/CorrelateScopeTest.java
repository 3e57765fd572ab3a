package net.qoe.job.diagnosis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import net.qoe.job.baseline.Headlines;
import net.qoe.job.baseline.MetricScore;
import net.qoe.job.baseline.ScoredWindow;
import net.qoe.job.window.SeriesAccumulator;
import net.qoe.kafka.message.Measurement;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** The two correlation stages (by target, then by probe) fed several probes and targets. */
class CorrelateScopeTest {

  private static final long MINUTE = 60_000;
  private static final long T0 = 1_767_225_600_000L;

  @Test
  void manyProbesDegradedTowardsOneTargetIsTheTargetsSide() throws Exception {
    List<DiagnosedWindow> in = new ArrayList<>();
    // web is slow for p1, p2, p3 (p4 fine); p1 also measures api, fine
    in.add(window("p1", "web", 0, true));
    in.add(window("p2", "web", 0, true));
    in.add(window("p3", "web", 0, true));
    in.add(window("p4", "web", 0, false));
    in.add(window("p1", "api", 0, false));
    Map<String, DiagnosedWindow> out = byPair(correlate(in, 0));
    assertThat(out.get("p1/web").scope()).isEqualTo(DiagnosedWindow.SCOPE_TARGET);
    assertThat(out.get("p2/web").scope()).isEqualTo(DiagnosedWindow.SCOPE_TARGET);
    assertThat(out.get("p2/web").degradedProbes()).isEqualTo(3);
    assertThat(out.get("p2/web").targetProbes()).isEqualTo(4);
    assertThat(out.get("p2/web").reason())
        .endsWith("target side: 3 of 4 probes degraded towards web");
    assertThat(out.get("p4/web").scope()).isNull();
    assertThat(out.get("p1/api").scope()).isNull();
  }

  @Test
  void oneProbeDegradedTowardsManyTargetsIsTheProbesSide() throws Exception {
    List<DiagnosedWindow> in = new ArrayList<>();
    for (String target : List.of("web", "api", "db")) {
      in.add(window("home", target, 0, true));
      in.add(window("office", target, 0, false));
    }
    Map<String, DiagnosedWindow> out = byPair(correlate(in, 0));
    for (String target : List.of("web", "api", "db")) {
      DiagnosedWindow w = out.get("home/" + target);
      assertThat(w.scope()).isEqualTo(DiagnosedWindow.SCOPE_PROBE);
      assertThat(w.degradedTargets()).isEqualTo(3);
      assertThat(w.reason()).endsWith("probe side: home degraded towards 3 of 3 targets");
      assertThat(out.get("office/" + target).scope()).isNull();
    }
  }

  @Test
  void aLoneDegradedPairIsThePairAndWindowsAreJudgedSeparately() throws Exception {
    List<DiagnosedWindow> in = new ArrayList<>();
    in.add(window("p1", "web", 0, true));
    in.add(window("p2", "web", 0, false));
    in.add(window("p1", "api", 0, false));
    // next window: both probes degraded towards web; the first window must not count for it
    in.add(window("p1", "web", 1, true));
    in.add(window("p2", "web", 1, true));
    List<DiagnosedWindow> out = correlate(in, 0);
    assertThat(out).hasSize(5);
    DiagnosedWindow first =
        out.stream()
            .filter(
                w -> w.aggregate().windowStartMs() == T0 && w.aggregate().probeId().equals("p1"))
            .filter(w -> w.aggregate().target().equals("web"))
            .findFirst()
            .orElseThrow();
    assertThat(first.scope()).isEqualTo(DiagnosedWindow.SCOPE_PAIR);
    assertThat(first.reason()).endsWith("this pair only");
    assertThat(
            out.stream()
                .filter(w -> w.aggregate().windowStartMs() == T0 + MINUTE)
                .map(DiagnosedWindow::scope))
        .containsOnly(DiagnosedWindow.SCOPE_TARGET);
  }

  @Test
  void holdsWindowsUntilTheWatermarkAndSurvivesARestoreWhileHolding() throws Exception {
    OperatorSubtaskState snapshot;
    try (var h = harness(CorrelateScope.Side.TARGET, 0)) {
      h.processElement(window("p1", "web", 0, true), T0 + MINUTE - 1);
      assertThat(h.extractOutputValues()).isEmpty();
      snapshot = h.snapshot(1, 1);
    }
    try (var h = harness(CorrelateScope.Side.TARGET, 0, snapshot)) {
      h.processElement(window("p2", "web", 0, true), T0 + MINUTE - 1);
      assertThat(h.extractOutputValues()).isEmpty();
      h.processWatermark(new Watermark(T0 + MINUTE - 1));
      assertThat(h.extractOutputValues())
          .extracting(DiagnosedWindow::degradedProbes)
          .containsExactly(2, 2);
      // nothing is kept once the window and its lateness are over
      h.processWatermark(new Watermark(T0 + 10 * MINUTE));
      assertThat(h.numKeyedStateEntries()).isZero();
    }
  }

  @Test
  void aWindowReFiredByLateDataIsAnnotatedAtOnceWithinTheAllowedLateness() throws Exception {
    try (var h = harness(CorrelateScope.Side.TARGET, 30_000)) {
      h.processElement(window("p1", "web", 0, true), T0 + MINUTE - 1);
      h.processWatermark(new Watermark(T0 + MINUTE - 1));
      assertThat(h.extractOutputValues()).hasSize(1);
      h.processWatermark(new Watermark(T0 + MINUTE + 10_000));
      h.processElement(window("p2", "web", 0, true), T0 + MINUTE - 1);
      // p2 at once, and p1 again with the count revised
      assertThat(h.extractOutputValues()).hasSize(3);
      assertThat(h.extractOutputValues().subList(1, 3))
          .extracting(w -> w.aggregate().probeId() + ":" + w.degradedProbes())
          .containsExactly("p2:2", "p1:2");
      h.processWatermark(new Watermark(T0 + MINUTE + 31_000));
      assertThat(h.numKeyedStateEntries()).isZero();
    }
  }

  @Test
  void aLateReFireRevisesTheScopeOfTheDegradedWindowsAlreadyReleased() throws Exception {
    long lateness = 5 * MINUTE;
    try (var byTarget = harness(CorrelateScope.Side.TARGET, lateness);
        var byProbe = harness(CorrelateScope.Side.PROBE, lateness)) {
      // window 0: only p1 is degraded towards web, so far a matter of that pair
      for (String probe : List.of("p1", "p2", "p3")) {
        byTarget.processElement(window(probe, "web", 0, probe.equals("p1")), T0 + MINUTE - 1);
      }
      byTarget.processWatermark(new Watermark(T0 + MINUTE - 1));
      List<DiagnosedWindow> mid = new ArrayList<>(byTarget.extractOutputValues());
      for (DiagnosedWindow w : mid) {
        byProbe.processElement(w, T0 + MINUTE - 1);
      }
      byProbe.processWatermark(new Watermark(T0 + MINUTE - 1));
      assertThat(byPair(byProbe.extractOutputValues()).get("p1/web").scope())
          .isEqualTo(DiagnosedWindow.SCOPE_PAIR);

      // late data re-fires p2's window, now degraded too: two of three probes, the target's side
      byTarget.processWatermark(new Watermark(T0 + MINUTE + 20_000));
      byProbe.processWatermark(new Watermark(T0 + MINUTE + 20_000));
      byTarget.processElement(window("p2", "web", 0, true), T0 + MINUTE - 1);
      List<DiagnosedWindow> revisedMid =
          byTarget.extractOutputValues().subList(mid.size(), byTarget.extractOutputValues().size());
      // p2 itself and the revision of p1; p3 is not degraded, has no scope, and is left alone
      assertThat(revisedMid)
          .extracting(
              w -> w.aggregate().probeId() + ":" + w.degradedProbes() + "/" + w.targetProbes())
          .containsExactlyInAnyOrder("p2:2/3", "p1:2/3");
      int before = byProbe.extractOutputValues().size();
      for (DiagnosedWindow w : revisedMid) {
        byProbe.processElement(w, T0 + MINUTE - 1);
      }
      List<DiagnosedWindow> revised =
          byProbe.extractOutputValues().subList(before, byProbe.extractOutputValues().size());
      assertThat(revised)
          .hasSize(2)
          .extracting(DiagnosedWindow::scope)
          .containsOnly(DiagnosedWindow.SCOPE_TARGET);
      DiagnosedWindow p1 = byPair(revised).get("p1/web");
      assertThat(p1.reason())
          .startsWith("total p95 230 ms")
          .endsWith("; target side: 2 of 3 probes degraded towards web")
          .doesNotContain("this pair only");

      // once the lateness has passed nothing is kept
      byTarget.processWatermark(new Watermark(T0 + 10 * MINUTE));
      byProbe.processWatermark(new Watermark(T0 + 10 * MINUTE));
      assertThat(byTarget.numKeyedStateEntries()).isZero();
      assertThat(byProbe.numKeyedStateEntries()).isZero();
    }
  }

  @Test
  void aReFireAfterARestoreRevisesTheWindowsReleasedBeforeIt() throws Exception {
    OperatorSubtaskState snapshot;
    try (var h = harness(CorrelateScope.Side.TARGET, 5 * MINUTE)) {
      h.processElement(window("p1", "web", 0, true), T0 + MINUTE - 1);
      h.processElement(window("p2", "web", 0, true), T0 + MINUTE - 1);
      h.processElement(window("p3", "web", 0, false), T0 + MINUTE - 1);
      h.processWatermark(new Watermark(T0 + MINUTE - 1));
      assertThat(h.extractOutputValues())
          .extracting(w -> w.aggregate().probeId() + ":" + w.degradedProbes())
          .containsExactly("p1:2", "p2:2", "p3:2");
      snapshot = h.snapshot(1, 1);
    }
    // the watermark starts from nothing again, and p1 comes again, no longer degraded
    try (var h = harness(CorrelateScope.Side.TARGET, 5 * MINUTE, snapshot)) {
      h.processElement(window("p1", "web", 0, false), T0 + MINUTE - 1);
      assertThat(h.extractOutputValues())
          .extracting(w -> w.aggregate().probeId() + ":" + w.degraded() + ":" + w.degradedProbes())
          .containsExactly("p1:false:1", "p2:true:1");
      // p1 is no longer kept as degraded: p3's re-fire revises nobody but is annotated 1 of 3
      h.processElement(window("p3", "web", 0, false), T0 + MINUTE - 1);
      assertThat(h.extractOutputValues().subList(2, h.extractOutputValues().size()))
          .extracting(
              w -> w.aggregate().probeId() + ":" + w.degradedProbes() + "/" + w.targetProbes())
          .containsExactly("p3:1/3");
      // p1 degraded again: p2 revised, and p2's kept copy not lost
      h.processElement(window("p1", "web", 0, true), T0 + MINUTE - 1);
      h.processElement(window("p3", "web", 0, true), T0 + MINUTE - 1);
      assertThat(h.extractOutputValues().subList(3, h.extractOutputValues().size()))
          .extracting(w -> w.aggregate().probeId() + ":" + w.degradedProbes())
          .containsExactlyInAnyOrder("p1:2", "p2:2", "p3:3", "p1:3", "p2:3");
      // nothing waits for a watermark, and nothing is kept after the lateness
      h.processWatermark(new Watermark(T0 + 10 * MINUTE));
      assertThat(h.numKeyedStateEntries()).isZero();
    }
  }

  @Test
  void aSeriesFiredAgainBeforeTheReleaseIsReleasedOnceAsItsNewestVersion() throws Exception {
    try (var h = harness(CorrelateScope.Side.TARGET, 5 * MINUTE)) {
      // this stage's watermark lags behind the window operator's: the re-fire arrives first
      h.processElement(window("p1", "web", 0, false), T0 + MINUTE - 1);
      h.processElement(window("p2", "web", 0, true), T0 + MINUTE - 1);
      h.processElement(window("p1", "web", 0, true), T0 + MINUTE - 1);
      h.processWatermark(new Watermark(T0 + MINUTE - 1));
      assertThat(h.extractOutputValues())
          .extracting(w -> w.aggregate().probeId() + ":" + w.degraded() + ":" + w.degradedProbes())
          .containsExactly("p2:true:2", "p1:true:2");
    }
  }

  @Test
  void aReFireThatChangesNoCountIsTheOnlyWindowEmittedAgain() throws Exception {
    try (var h = harness(CorrelateScope.Side.TARGET, 5 * MINUTE)) {
      h.processElement(window("p1", "web", 0, true), T0 + MINUTE - 1);
      h.processElement(window("p2", "web", 0, true), T0 + MINUTE - 1);
      h.processWatermark(new Watermark(T0 + MINUTE - 1));
      assertThat(h.extractOutputValues()).hasSize(2);
      h.processWatermark(new Watermark(T0 + MINUTE + 20_000));
      // p2 re-fired, still degraded: p1's counts stand
      h.processElement(window("p2", "web", 0, true), T0 + MINUTE - 1);
      assertThat(h.extractOutputValues()).hasSize(3);
      assertThat(h.extractOutputValues().get(2).aggregate().probeId()).isEqualTo("p2");
      assertThat(h.extractOutputValues().get(2).degradedProbes()).isEqualTo(2);
    }
  }

  @Test
  void aReFireThatIsNoLongerDegradedNarrowsTheScopeOfTheOthers() throws Exception {
    try (var h = harness(CorrelateScope.Side.PROBE, 5 * MINUTE)) {
      h.processElement(window("home", "web", 0, true), T0 + MINUTE - 1);
      h.processElement(window("home", "api", 0, true), T0 + MINUTE - 1);
      h.processElement(window("home", "db", 0, false), T0 + MINUTE - 1);
      h.processWatermark(new Watermark(T0 + MINUTE - 1));
      assertThat(byPair(h.extractOutputValues()).get("home/web").scope())
          .isEqualTo(DiagnosedWindow.SCOPE_PROBE);
      h.processWatermark(new Watermark(T0 + MINUTE + 20_000));
      // the rest of api's window came late and it looks normal after all
      h.processElement(window("home", "api", 0, false), T0 + MINUTE - 1);
      List<DiagnosedWindow> again =
          h.extractOutputValues().subList(3, h.extractOutputValues().size());
      assertThat(again).hasSize(2);
      assertThat(byPair(again).get("home/api").scope()).isNull();
      DiagnosedWindow web = byPair(again).get("home/web");
      assertThat(web.scope()).isEqualTo(DiagnosedWindow.SCOPE_PAIR);
      assertThat(web.degradedTargets()).isEqualTo(1);
      assertThat(web.reason()).endsWith("; this pair only");
      // a later re-fire of db changes nothing for api, which is no longer kept as degraded
      h.processElement(window("home", "db", 0, false), T0 + MINUTE - 1);
      assertThat(h.extractOutputValues()).hasSize(6);
    }
  }

  /**
   * Both stages, as the job runs them: by target, then by probe; the watermark closes window 0 and
   * 1.
   */
  static List<DiagnosedWindow> correlate(List<DiagnosedWindow> in, long lateness) throws Exception {
    List<DiagnosedWindow> mid;
    try (var h = harness(CorrelateScope.Side.TARGET, lateness)) {
      for (DiagnosedWindow w : in) {
        h.processElement(w, w.aggregate().windowEndMs() - 1);
      }
      h.processWatermark(new Watermark(T0 + 2 * MINUTE));
      mid = new ArrayList<>(h.extractOutputValues());
    }
    assertThat(mid).hasSameSizeAs(in);
    try (var h = harness(CorrelateScope.Side.PROBE, lateness)) {
      for (DiagnosedWindow w : mid) {
        h.processElement(w, w.aggregate().windowEndMs() - 1);
      }
      h.processWatermark(new Watermark(T0 + 2 * MINUTE));
      return new ArrayList<>(h.extractOutputValues());
    }
  }

  static KeyedOneInputStreamOperatorTestHarness<String, DiagnosedWindow, DiagnosedWindow> harness(
      CorrelateScope.Side side, long lateness) throws Exception {
    return harness(side, lateness, null);
  }

  static KeyedOneInputStreamOperatorTestHarness<String, DiagnosedWindow, DiagnosedWindow> harness(
      CorrelateScope.Side side, long lateness, OperatorSubtaskState restore) throws Exception {
    var h =
        new KeyedOneInputStreamOperatorTestHarness<>(
            new KeyedProcessOperator<>(new CorrelateScope(side, lateness)),
            w -> CorrelateScope.keyOf(w, side),
            Types.STRING);
    h.setup();
    if (restore != null) {
      h.initializeState(restore);
    }
    h.open();
    return h;
  }

  private static Map<String, DiagnosedWindow> byPair(List<DiagnosedWindow> out) {
    return out.stream()
        .collect(
            Collectors.toMap(w -> w.aggregate().probeId() + "/" + w.aggregate().target(), w -> w));
  }

  /** A window of one probe towards one target, degraded (latency 4.5 σ up) or normal. */
  static DiagnosedWindow window(String probe, String target, int w, boolean degraded) {
    long start = T0 + w * MINUTE;
    SeriesAccumulator acc = new SeriesAccumulator();
    acc.add(
        new Measurement(
            1,
            probe + target + w,
            probe,
            target,
            "http",
            1,
            start + 1,
            true,
            null,
            null,
            null,
            null,
            Map.of("total_ms", degraded ? 230.0 : 50.0)));
    var a = acc.toAggregate(start, start + MINUTE);
    MetricScore s = degraded ? new MetricScore(230, 50, 40, 4.5) : new MetricScore(50, 50, 40, 0);
    ScoredWindow scored =
        new ScoredWindow(a, Map.of(Headlines.TOTAL, s), degraded, Headlines.TOTAL);
    return DiagnosedWindow.of(
        scored,
        degraded
            ? new Diagnosis(Diagnosis.LATENCY, "total p95 230 ms vs 50 ms usual (4.5 σ)")
            : Diagnosis.normal());
  }
}
