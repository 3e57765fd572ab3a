package net.qoe.job.diagnosis;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.ListTypeInfo;
import org.apache.flink.api.java.typeutils.MapTypeInfo;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Cross-probe correlation of the windows that end together, in two keyed stages so that no single
 * key sees every series: first keyed by target (how many probes are degraded towards it), then
 * keyed by probe (how many targets it is degraded towards), which also decides the scope:
 *
 * <ul>
 *   <li>{@code target}: at least two probes are degraded towards the target, and they are at least
 *       half of the probes that measured it in the window;
 *   <li>{@code probe}: the probe is degraded towards at least two targets, at least half of those
 *       it measured;
 *   <li>both: the side with the larger degraded share wins (a tie goes to the target);
 *   <li>otherwise {@code pair}. Windows that are not degraded get no scope.
 * </ul>
 *
 * A window is held until the watermark reaches its end (the window operator emits every series of a
 * window before it forwards that watermark, so all of them are here by then) and released with the
 * counts; nothing waits longer than the watermark. What each key saw of a window is kept until the
 * allowed lateness has passed, so a window re-fired by late data is annotated at once with the
 * counts as they stand; and when the re-fire changes what was degraded, the degraded windows of the
 * same time already released are emitted again with their scope and counts revised (the sink's
 * upsert replaces the row). Windows that are not degraded have no scope and are not revised. State
 * per key is bounded by the windows within the allowed lateness: the degraded/measured flag of
 * every series, and a copy of the degraded windows only.
 */
public final class CorrelateScope
    extends KeyedProcessFunction<String, DiagnosedWindow, DiagnosedWindow> {

  private static final long serialVersionUID = 1L;

  /** Which way a stage is keyed. */
  public enum Side {
    /** keyed by target: counts the probes degraded towards it */
    TARGET,
    /** keyed by probe: counts the targets it is degraded towards, and decides the scope */
    PROBE
  }

  private final Side side;
  private final long allowedLatenessMs;

  /** window end − 1 → the windows not yet released */
  private transient MapState<Long, List<DiagnosedWindow>> pending;

  /** window end − 1 → (member, test) → degraded; member is the probe or the target */
  private transient MapState<Long, Map<String, Boolean>> seen;

  /**
   * window end − 1 → the degraded windows already released, as they came in (before this stage's
   * annotation), kept within the allowed lateness so that a re-fire can revise them
   */
  private transient MapState<Long, List<DiagnosedWindow>> released;

  public CorrelateScope(Side side, long allowedLatenessMs) {
    this.side = side;
    this.allowedLatenessMs = Math.max(0, allowedLatenessMs);
  }

  public static String keyOf(DiagnosedWindow w, Side side) {
    return side == Side.TARGET ? w.aggregate().target() : w.aggregate().probeId();
  }

  @Override
  public void open(OpenContext openContext) {
    pending =
        getRuntimeContext()
            .getMapState(
                new MapStateDescriptor<>(
                    "pending", Types.LONG, new ListTypeInfo<>(DiagnosedWindow.TYPE)));
    seen =
        getRuntimeContext()
            .getMapState(
                new MapStateDescriptor<>(
                    "seen", Types.LONG, new MapTypeInfo<>(Types.STRING, Types.BOOLEAN)));
    released =
        getRuntimeContext()
            .getMapState(
                new MapStateDescriptor<>(
                    "released", Types.LONG, new ListTypeInfo<>(DiagnosedWindow.TYPE)));
  }

  @Override
  public void processElement(DiagnosedWindow w, Context ctx, Collector<DiagnosedWindow> out)
      throws Exception {
    long at = w.aggregate().windowEndMs() - 1;
    String member = memberOf(w);
    Map<String, Boolean> members = seen.get(at);
    boolean firstOfWindow = members == null;
    if (firstOfWindow) {
      members = new HashMap<>();
      ctx.timerService().registerEventTimeTimer(at + allowedLatenessMs + 1);
    }
    // Released: seen before and no longer held. Not the watermark alone: after a restore it starts
    // again from nothing, and a re-fire of a window released before must still revise the others.
    List<DiagnosedWindow> held = firstOfWindow ? null : pending.get(at);
    boolean releasedBefore = !firstOfWindow && held == null;
    Boolean previous = members.put(member, w.degraded());
    seen.put(at, members);
    if (!releasedBefore && ctx.timerService().currentWatermark() < at) {
      if (held == null) {
        held = new ArrayList<>();
        ctx.timerService().registerEventTimeTimer(at);
      }
      // a series fired again before release (late data, a lagging watermark): the newer one counts
      held.removeIf(h -> memberOf(h).equals(member));
      held.add(w);
      pending.put(at, held);
      return;
    }
    // re-fired by late data after this window was released: annotate with what is known now ...
    out.collect(annotate(w, members));
    List<DiagnosedWindow> kept = released.get(at);
    kept = kept == null ? new ArrayList<>() : kept;
    kept.removeIf(k -> memberOf(k).equals(member));
    if (!Objects.equals(previous, w.degraded())) {
      // ... and revise the degraded windows of the same time whose scope or counts this changes
      Map<String, Boolean> before = new HashMap<>(members);
      if (previous == null) {
        before.remove(member);
      } else {
        before.put(member, previous);
      }
      for (DiagnosedWindow k : kept) {
        DiagnosedWindow revised = annotate(k, members);
        if (!sameAnnotation(revised, annotate(k, before))) {
          out.collect(revised);
        }
      }
    }
    if (w.degraded()) {
      kept.add(w);
    }
    if (kept.isEmpty()) {
      released.remove(at);
    } else {
      released.put(at, kept);
    }
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<DiagnosedWindow> out)
      throws Exception {
    List<DiagnosedWindow> held = pending.get(timestamp);
    if (held != null) {
      Map<String, Boolean> members = seen.get(timestamp);
      List<DiagnosedWindow> degraded = new ArrayList<>();
      for (DiagnosedWindow w : held) {
        out.collect(annotate(w, members == null ? Map.of() : members));
        if (w.degraded()) {
          degraded.add(w);
        }
      }
      pending.remove(timestamp);
      if (allowedLatenessMs > 0 && !degraded.isEmpty()) {
        released.put(timestamp, degraded);
      }
    }
    Iterator<Long> keys = seen.keys().iterator();
    List<Long> expired = new ArrayList<>();
    while (keys.hasNext()) {
      long at = keys.next();
      if (at + allowedLatenessMs + 1 <= timestamp) {
        expired.add(at);
      }
    }
    for (long at : expired) {
      seen.remove(at);
      released.remove(at);
    }
  }

  /** The series of a window within this stage's key: (probe or target, test). */
  private String memberOf(DiagnosedWindow w) {
    return (side == Side.TARGET ? w.aggregate().probeId() : w.aggregate().target())
        + "\u0000"
        + w.aggregate().test();
  }

  private static boolean sameAnnotation(DiagnosedWindow a, DiagnosedWindow b) {
    return Objects.equals(a.scope(), b.scope())
        && a.degradedProbes() == b.degradedProbes()
        && a.targetProbes() == b.targetProbes()
        && a.degradedTargets() == b.degradedTargets()
        && a.probeTargets() == b.probeTargets()
        && Objects.equals(a.reason(), b.reason());
  }

  private DiagnosedWindow annotate(DiagnosedWindow w, Map<String, Boolean> members) {
    Set<String> all = new HashSet<>();
    Set<String> degraded = new HashSet<>();
    for (Map.Entry<String, Boolean> e : members.entrySet()) {
      String m = e.getKey().substring(0, e.getKey().indexOf('\u0000'));
      all.add(m);
      if (e.getValue()) {
        degraded.add(m);
      }
    }
    if (side == Side.TARGET) {
      return w.withTargetSide(degraded.size(), all.size());
    }
    return w.withProbeSide(scope(w, degraded.size(), all.size()), degraded.size(), all.size())
        .withReason(reason(w, degraded.size(), all.size()));
  }

  /** The scope of one window from the two counts; null when the window is not degraded. */
  static String scope(DiagnosedWindow w, int degradedTargets, int probeTargets) {
    if (!w.degraded()) {
      return null;
    }
    boolean target = w.degradedProbes() >= 2 && 2 * w.degradedProbes() >= w.targetProbes();
    boolean probe = degradedTargets >= 2 && 2 * degradedTargets >= probeTargets;
    if (target && probe) {
      double targetShare = (double) w.degradedProbes() / w.targetProbes();
      double probeShare = (double) degradedTargets / probeTargets;
      return targetShare >= probeShare ? DiagnosedWindow.SCOPE_TARGET : DiagnosedWindow.SCOPE_PROBE;
    }
    return target
        ? DiagnosedWindow.SCOPE_TARGET
        : probe ? DiagnosedWindow.SCOPE_PROBE : DiagnosedWindow.SCOPE_PAIR;
  }

  private static String reason(DiagnosedWindow w, int degradedTargets, int probeTargets) {
    String s = scope(w, degradedTargets, probeTargets);
    if (s == null) {
      return w.reason();
    }
    String base = w.reason() == null || w.reason().isEmpty() ? "" : w.reason() + "; ";
    return base
        + switch (s) {
          case DiagnosedWindow.SCOPE_TARGET ->
              String.format(
                  Locale.ROOT,
                  "target side: %d of %d probes degraded towards %s",
                  w.degradedProbes(),
                  w.targetProbes(),
                  w.aggregate().target());
          case DiagnosedWindow.SCOPE_PROBE ->
              String.format(
                  Locale.ROOT,
                  "probe side: %s degraded towards %d of %d targets",
                  w.aggregate().probeId(),
                  degradedTargets,
                  probeTargets);
          default -> "this pair only";
        };
  }
}
