package net.qoe.job.escalation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import net.qoe.job.baseline.Headlines;
import net.qoe.job.baseline.MetricScore;
import net.qoe.job.diagnosis.DiagnosedWindow;
import net.qoe.job.window.SeriesAggregate;
import net.qoe.kafka.message.Measurement;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple3;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The AutoPerf state machine, keyed by probe so that the per-probe budget of deep tests can be
 * enforced; within a probe, one {@link PairState} per target.
 *
 * <ul>
 *   <li>tier 1 → 2 after {@code windowsToEscalate} consecutive windows over a tier-1 threshold, or
 *       at once after {@code fastPathBreaches} hard breaches in raw runs, counted per test since
 *       its last healthy run;
 *   <li>tier 2 → 3 after as many windows over a tier-2 threshold;
 *   <li>one tier down after {@code healthyWindowsToDeescalate} healthy windows, and from tier 3
 *       when it has lasted {@code maxTier3Dwell};
 *   <li>no new escalation of a pair within {@code cooldown} of its return to tier 1, and none while
 *       the probe already has {@code maxPairsAboveTier1} pairs above tier 1;
 *   <li>the baseline hook: a window whose headline is {@code baselineSigma} spreads worse than its
 *       baseline for this hour of the week, for {@code baselineWindows} consecutive windows of the
 *       pair, counts as a tier-1 breach (after the fixed thresholds, which name hard limits);
 *   <li>a command in force is refreshed before it expires, so a probe never drops a tier the job
 *       still wants.
 * </ul>
 *
 * Decisions use processing time: commands and their expiry are about the probes' real clocks.
 */
public final class TierEscalator
    extends KeyedCoProcessFunction<String, DiagnosedWindow, Measurement, TierTransition> {

  private static final long serialVersionUID = 1L;

  private final AutoPerfConfig config;
  private transient Thresholds thresholds;
  private transient MapState<String, PairState> pairs;

  /** per target: its recent window starts, over the baseline sigma (a breach) or not */
  private transient MapState<String, WindowVerdicts> baselineStarts;

  /**
   * Before {@link #baselineStarts}, per target: (last window over the baseline sigma, streak, last
   * window under it). Read once per target, then dropped.
   */
  private transient MapState<String, Tuple3<Long, Integer, Long>> baselineStreaks;

  private transient Counter escalations;
  private transient Counter deescalations;
  private transient Counter deferred;

  public TierEscalator(AutoPerfConfig config) {
    this.config = config;
  }

  @Override
  public void open(OpenContext openContext) {
    thresholds = new Thresholds(config);
    pairs =
        getRuntimeContext()
            .getMapState(new MapStateDescriptor<>("pairs", Types.STRING, PairState.TYPE));
    baselineStarts =
        getRuntimeContext()
            .getMapState(
                new MapStateDescriptor<>("baseline-starts", Types.STRING, WindowVerdicts.TYPE));
    baselineStreaks =
        getRuntimeContext()
            .getMapState(
                new MapStateDescriptor<>(
                    "baseline-streaks",
                    Types.STRING,
                    Types.TUPLE(Types.LONG, Types.INT, Types.LONG)));
    var metrics = getRuntimeContext().getMetricGroup();
    escalations = metrics.counter("escalations");
    deescalations = metrics.counter("deescalations");
    deferred = metrics.counter("escalationsDeferred");
  }

  @Override
  public void processElement1(DiagnosedWindow dw, Context ctx, Collector<TierTransition> out)
      throws Exception {
    SeriesAggregate a = dw.aggregate();
    long now = ctx.timerService().currentProcessingTime();
    PairState p = pair(a.target());
    List<String> tier1 = new ArrayList<>(thresholds.tier1(a));
    List<String> tier2 = thresholds.tier2(a);
    long w = a.windowStartMs();
    long staleBefore =
        w - (long) config.healthyWindowsToDeescalate() * (a.windowEndMs() - a.windowStartMs());
    String baseline = config.baselineEnabled() ? baselineBreach(dw, w) : null;
    if (baseline != null) {
      tier1.add(baseline);
    }
    switch (p.tier) {
      case 1 -> {
        if (!tier1.isEmpty()) {
          p.breach(w, a.test(), tier1.get(0));
          if (p.breachStreak >= config.windowsToEscalate()
              || (tier1.get(0) == baseline && tier1.size() == 1)) {
            String reason =
                tier1.get(0) == baseline ? baseline : forWindows(tier1.get(0), p.breachStreak);
            escalate(ctx, out, a.target(), p, 2, reason, now, "w" + w);
          }
        } else {
          p.healthy(w, a.test(), staleBefore);
        }
      }
      case 2 -> {
        if (!tier2.isEmpty()) {
          p.breach(w, a.test(), tier2.get(0));
          if (p.breachStreak >= config.windowsToEscalate()) {
            escalate(
                ctx, out, a.target(), p, 3, forWindows(tier2.get(0), p.breachStreak), now, "w" + w);
          }
        } else if (!tier1.isEmpty()) {
          // still degraded at tier 1: stay, but this is not a healthy window
          p.tier1Only(w, a.test(), tier1.get(0));
        } else {
          p.healthy(w, a.test(), staleBefore);
          deescalateIfHealthy(ctx, out, a.target(), p, now, "w" + w);
        }
      }
      default -> {
        if (!tier1.isEmpty() || !tier2.isEmpty()) {
          p.breach(w, a.test(), (tier2.isEmpty() ? tier1 : tier2).get(0));
        } else {
          p.healthy(w, a.test(), staleBefore);
          deescalateIfHealthy(ctx, out, a.target(), p, now, "w" + w);
        }
      }
    }
    pairs.put(a.target(), p);
  }

  /**
   * Follows the pair's streak of windows over the baseline sigma and returns the breach, with the
   * numbers, once it has lasted {@code baselineWindows}; null otherwise. Windows of several tests
   * of the pair can share a start, and a window can come again with late data: the streak counts
   * starts, and only a start that stayed under the sigma in every test breaks it.
   */
  private String baselineBreach(DiagnosedWindow dw, long window) throws Exception {
    String target = dw.aggregate().target();
    WindowVerdicts starts = baselineStarts(target);
    String worst = dw.scored().worst();
    MetricScore score = worst == null ? null : dw.scored().scores().get(worst);
    boolean over = score != null && score.score() >= config.baselineSigma();
    starts.record(window, over ? WindowVerdicts.BREACH : WindowVerdicts.HEALTHY);
    baselineStarts.put(target, starts);
    int streak = over ? starts.runAround(window) : 0;
    if (streak < config.baselineWindows()) {
      return null;
    }
    boolean higherIsWorse = Headlines.direction(worst) > 0;
    return String.format(
        Locale.ROOT,
        "%s %s %.1f σ %s this hour's baseline (%s%s vs %s%s usual) for %d %s%s",
        dw.aggregate().test(),
        Headlines.label(worst),
        score.score(),
        higherIsWorse ? "above" : "below",
        number(score.value()),
        Headlines.unit(worst),
        number(score.expected()),
        Headlines.unit(worst),
        streak,
        streak == 1 ? "window" : "windows",
        dw.label() == null || "normal".equals(dw.label()) ? "" : ", " + dw.label());
  }

  private WindowVerdicts baselineStarts(String target) throws Exception {
    WindowVerdicts starts = baselineStarts.get(target);
    if (starts != null) {
      return starts;
    }
    starts = new WindowVerdicts();
    Tuple3<Long, Integer, Long> before = baselineStreaks.get(target);
    if (before != null) {
      if (before.f0 != Long.MIN_VALUE) {
        starts.record(before.f0, WindowVerdicts.BREACH);
      }
      if (before.f2 != Long.MIN_VALUE) {
        starts.record(before.f2, WindowVerdicts.HEALTHY);
      }
      baselineStreaks.remove(target);
    }
    return starts;
  }

  private static String number(double v) {
    return Math.abs(v) >= 100
        ? String.format(Locale.ROOT, "%.0f", v)
        : String.format(Locale.ROOT, "%.1f", v);
  }

  /**
   * The fast path: hard breaches in raw runs escalate before the window closes. Each test of the
   * pair keeps its own streak, broken only by its own healthy run, and the pair escalates when the
   * streaks add up to {@code fastPathBreaches}: a target that is down escalates after one round of
   * its tests, one whose http fails while tcp still connects after that many http runs.
   *
   * <p>Only runs that change a streak arrive ({@link FastPathRuns}): hard breaches, and a test's
   * first healthy run after one.
   */
  @Override
  public void processElement2(Measurement m, Context ctx, Collector<TierTransition> out)
      throws Exception {
    PairState p = pair(m.target());
    if (p.tier != 1) {
      return;
    }
    if (!thresholds.isHardBreach(m)) {
      if (p.fastHealthy(m.test())) {
        pairs.put(m.target(), p);
      }
      return;
    }
    int streak = p.fastBreach(m.test(), m.tsMs(), m.tsMs() - FAST_STREAK_HORIZON_MS);
    if (streak >= config.fastPathBreaches()) {
      long now = ctx.timerService().currentProcessingTime();
      p.degraded.put(m.test(), m.tsMs());
      escalate(
          ctx,
          out,
          m.target(),
          p,
          2,
          String.format(
              Locale.ROOT, "%d hard breaches in a row, last: %s", streak, thresholds.hardBreach(m)),
          now,
          "e" + m.eventId());
    }
    pairs.put(m.target(), p);
  }

  /**
   * A test whose last hard breach is this much older than the run at hand has stopped reporting,
   * and its streak no longer counts: tier-1 tests run every few seconds to minutes.
   */
  static final long FAST_STREAK_HORIZON_MS = Duration.ofMinutes(15).toMillis();

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<TierTransition> out)
      throws Exception {
    for (Map.Entry<String, PairState> e : pairs.entries()) {
      PairState p = e.getValue();
      String target = e.getKey();
      if (p.tier == 3 && timestamp >= p.enteredMs + config.maxTier3Dwell().toMillis()) {
        transition(
            ctx,
            out,
            target,
            p,
            2,
            "maximum dwell in tier 3 (" + config.maxTier3Dwell().toMinutes() + " min) reached",
            timestamp,
            "t" + timestamp);
        deescalations.inc();
        pairs.put(target, p);
      } else if (p.tier > 1 && timestamp >= refreshAt(p)) {
        // keep the probe running the tier: same tier, new command, later expiry
        out.collect(
            new TierTransition(
                ctx.getCurrentKey(),
                target,
                p.tier,
                p.tier,
                "still degraded: " + p.lastReason,
                timestamp,
                timestamp - p.enteredMs,
                commandId(ctx.getCurrentKey(), target, p.tier, p.tier, "t" + timestamp),
                timestamp + config.commandTtl().toMillis(),
                config.testsFor(p.tier)));
        p.expiresMs = timestamp + config.commandTtl().toMillis();
        ctx.timerService().registerProcessingTimeTimer(refreshAt(p));
        pairs.put(target, p);
      }
    }
  }

  private void escalate(
      Context ctx,
      Collector<TierTransition> out,
      String target,
      PairState p,
      int to,
      String reason,
      long now,
      String trigger)
      throws Exception {
    if (p.tier == 1 && now < p.cooldownUntilMs) {
      deferred.inc();
      return;
    }
    if (p.tier == 1 && pairsAboveTier1() >= config.maxPairsAboveTier1()) {
      deferred.inc();
      return;
    }
    transition(ctx, out, target, p, to, reason, now, trigger);
    escalations.inc();
    if (to == 3) {
      ctx.timerService().registerProcessingTimeTimer(now + config.maxTier3Dwell().toMillis());
    }
  }

  private void deescalateIfHealthy(
      Context ctx,
      Collector<TierTransition> out,
      String target,
      PairState p,
      long now,
      String trigger) {
    if (p.healthyStreak >= config.healthyWindowsToDeescalate()) {
      transition(
          ctx,
          out,
          target,
          p,
          p.tier - 1,
          String.format(Locale.ROOT, "healthy for %d windows", p.healthyStreak),
          now,
          trigger);
      deescalations.inc();
    }
  }

  private void transition(
      KeyedCoProcessFunction<String, DiagnosedWindow, Measurement, TierTransition>.Context ctx,
      Collector<TierTransition> out,
      String target,
      PairState p,
      int to,
      String reason,
      long now,
      String trigger) {
    int from = p.tier;
    long expires = now + config.commandTtl().toMillis();
    out.collect(
        new TierTransition(
            ctx.getCurrentKey(),
            target,
            from,
            to,
            reason,
            now,
            now - p.enteredMs,
            commandId(ctx.getCurrentKey(), target, from, to, trigger),
            expires,
            config.testsFor(to)));
    p.enter(to, now);
    p.expiresMs = to > 1 ? expires : 0;
    if (to == 1) {
      p.cooldownUntilMs = now + config.cooldown().toMillis();
    } else {
      ctx.timerService().registerProcessingTimeTimer(refreshAt(p));
    }
  }

  /**
   * The same decision replayed after a restore gets the same id, so Postgres and the probes can
   * recognise it: derived from the pair, the tiers and what triggered it (a window start, a raw
   * measurement's event id, or a timer's time).
   */
  static String commandId(String probe, String target, int from, int to, String trigger) {
    return UUID.nameUUIDFromBytes(
            (probe + "\u0000" + target + "\u0000" + from + ">" + to + "\u0000" + trigger)
                .getBytes(java.nio.charset.StandardCharsets.UTF_8))
        .toString();
  }

  private long refreshAt(PairState p) {
    return p.expiresMs - config.commandTtl().toMillis() / 2;
  }

  private PairState pair(String target) throws Exception {
    PairState p = pairs.get(target);
    return p == null ? new PairState() : p;
  }

  private int pairsAboveTier1() throws Exception {
    int n = 0;
    for (PairState p : pairs.values()) {
      if (p.tier > 1) {
        n++;
      }
    }
    return n;
  }

  private static String forWindows(String breach, int windows) {
    return breach + " for " + windows + (windows == 1 ? " window" : " windows");
  }
}
