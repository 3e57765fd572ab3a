package net.qoe.job.escalation;

import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;
import net.qoe.job.types.CodecSerializer;
import net.qoe.job.types.CodecTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Where one (probe, target) pair stands: its tier and since when, the streaks of breaching and
 * healthy windows that drive hysteresis, the cooldown, the fast-path streaks of raw breaches per
 * test, and the expiry of the command currently in force.
 */
final class PairState {

  static final TypeInformation<PairState> TYPE =
      new CodecTypeInfo<>(PairState.class, new Serializer());

  int tier = 1;
  long enteredMs;

  /** The run of breaching window starts the last breach belongs to (set by {@link #breach}). */
  int breachStreak;

  /** The run of healthy starts at the newest end. */
  int healthyStreak;

  /** What each recent window start came to since the pair entered its tier. */
  WindowVerdicts verdicts = new WindowVerdicts();

  long cooldownUntilMs;
  long expiresMs;
  String lastReason = "";

  /**
   * Tests of the pair whose last window breached, with that window's start. A healthy window counts
   * towards de-escalation only while this is empty: the fast tcp windows of a pair must not bring
   * it down while its http windows, slower to arrive or fewer, are still slow. A test that stops
   * reporting (taken out of the suite, or run only in a deeper tier) is forgotten after a while.
   */
  final Map<String, Long> degraded = new TreeMap<>();

  /**
   * The fast path, per test of the pair: hard breaches in a row since its last healthy run, and the
   * event time of the last of them. A healthy run of one test does not break another's streak: a
   * target whose http fails while tcp connects must still escalate.
   */
  final Map<String, FastStreak> fastStreaks = new TreeMap<>();

  /** Consecutive hard breaches of one test, and when the last one ran (event time). */
  static final class FastStreak {
    int breaches;
    long lastBreachMs;

    FastStreak(int breaches, long lastBreachMs) {
      this.breaches = breaches;
      this.lastBreachMs = lastBreachMs;
    }
  }

  /**
   * A hard breach of one run of {@code test} at {@code tsMs}: its streak grows, and the pair's fast
   * streak, the sum over its tests, is returned. A test whose last breach is older than {@code
   * staleBeforeMs} has stopped reporting (taken out of the suite, or its target) and no longer
   * counts.
   */
  int fastBreach(String test, long tsMs, long staleBeforeMs) {
    fastStreaks.values().removeIf(s -> s.lastBreachMs < staleBeforeMs);
    FastStreak s = fastStreaks.get(test);
    if (s == null) {
      fastStreaks.put(test, new FastStreak(1, tsMs));
    } else {
      s.breaches++;
      s.lastBreachMs = Math.max(s.lastBreachMs, tsMs);
    }
    int sum = 0;
    for (FastStreak f : fastStreaks.values()) {
      sum += f.breaches;
    }
    return sum;
  }

  /** A healthy run of {@code test}: its streak ends; returns whether there was one. */
  boolean fastHealthy(String test) {
    return fastStreaks.remove(test) != null;
  }

  /**
   * A window with a breach. Windows of several tests of the pair can arrive for the same start, and
   * a window can arrive again: the streak counts window starts, and is broken only by a start that
   * was healthy throughout (or, at tier 2, slow only by tier-1 thresholds).
   */
  void breach(long window, String test, String reason) {
    if (!verdicts.record(window, WindowVerdicts.BREACH)) {
      breachStreak = 0;
      return;
    }
    degraded.put(test, window);
    breachStreak = verdicts.runAround(window);
    healthyStreak = verdicts.newestRun(WindowVerdicts.HEALTHY);
    lastReason = reason;
  }

  /**
   * At tier 2, a window over tier-1 thresholds only: not healthy, and not a step towards tier 3. It
   * ends the streak of tier-2 breaches only as a start of its own: windows of several tests arrive
   * for one start in any order, and a tier-2 breach of any of them makes that start count.
   */
  void tier1Only(long window, String test, String reason) {
    if (!verdicts.record(window, WindowVerdicts.DEGRADED)) {
      return;
    }
    degraded.put(test, window);
    healthyStreak = verdicts.newestRun(WindowVerdicts.HEALTHY);
    lastReason = reason;
  }

  /**
   * A window without a breach. It counts as a healthy start only while no other test of the pair is
   * still degraded.
   *
   * @param staleBefore a degraded test whose last breach started before this is forgotten
   */
  void healthy(long window, String test, long staleBefore) {
    if (window <= verdicts.floor()) {
      return;
    }
    degraded.remove(test);
    degraded.values().removeIf(lastBreach -> lastBreach < staleBefore);
    if (!degraded.isEmpty()) {
      return;
    }
    verdicts.record(window, WindowVerdicts.HEALTHY);
    healthyStreak = verdicts.newestRun(WindowVerdicts.HEALTHY);
  }

  void enter(int newTier, long nowMs) {
    tier = newTier;
    enteredMs = nowMs;
    breachStreak = 0;
    healthyStreak = 0;
    fastStreaks.clear();
    verdicts.restart();
  }

  static final class Serializer extends CodecSerializer<PairState> {
    private static final long serialVersionUID = 1L;

    @Override
    public boolean isImmutableType() {
      return false;
    }

    @Override
    public PairState createInstance() {
      return new PairState();
    }

    /**
     * Layouts 1 and 2 began with the tier (1 to 3); layout 3 begins with -3. Layouts before 3 kept
     * the last breaching, healthy and tier-1-only window starts instead of the verdicts; they read
     * as those starts' verdicts, the length of an older streak is lost.
     */
    private static final int LAYOUT_3 = -3;

    @Override
    protected void write(PairState s, DataOutputView out) throws IOException {
      out.writeInt(LAYOUT_3);
      out.writeInt(s.tier);
      out.writeLong(s.enteredMs);
      out.writeLong(s.cooldownUntilMs);
      out.writeLong(s.expiresMs);
      out.writeUTF(s.lastReason);
      out.writeInt(s.fastStreaks.size());
      for (Map.Entry<String, FastStreak> e : s.fastStreaks.entrySet()) {
        out.writeUTF(e.getKey());
        out.writeInt(e.getValue().breaches);
        out.writeLong(e.getValue().lastBreachMs);
      }
      out.writeInt(s.degraded.size());
      for (Map.Entry<String, Long> e : s.degraded.entrySet()) {
        out.writeUTF(e.getKey());
        out.writeLong(e.getValue());
      }
      s.verdicts.write(out);
    }

    @Override
    protected PairState read(DataInputView in) throws IOException {
      int first = in.readInt();
      if (first != LAYOUT_3) {
        return readBeforeLayout3(first, in);
      }
      PairState s = new PairState();
      s.tier = in.readInt();
      s.enteredMs = in.readLong();
      s.cooldownUntilMs = in.readLong();
      s.expiresMs = in.readLong();
      s.lastReason = in.readUTF();
      int fast = in.readInt();
      for (int i = 0; i < fast; i++) {
        s.fastStreaks.put(in.readUTF(), new FastStreak(in.readInt(), in.readLong()));
      }
      int degraded = in.readInt();
      for (int i = 0; i < degraded; i++) {
        s.degraded.put(in.readUTF(), in.readLong());
      }
      s.verdicts = WindowVerdicts.read(in);
      s.healthyStreak = s.verdicts.newestRun(WindowVerdicts.HEALTHY);
      return s;
    }

    private static PairState readBeforeLayout3(int tier, DataInputView in) throws IOException {
      PairState s = new PairState();
      s.tier = tier;
      s.enteredMs = in.readLong();
      s.breachStreak = in.readInt();
      long lastBreachWindow = in.readLong();
      s.healthyStreak = in.readInt();
      long lastHealthyWindow = in.readLong();
      s.cooldownUntilMs = in.readLong();
      int fast = in.readInt();
      // Before per-test streaks (fast >= 0) the pair had one streak of fewer breaches than
      // escalate; no test can be named for it, so it starts again.
      for (int i = 0; i < -1 - fast; i++) {
        s.fastStreaks.put(in.readUTF(), new FastStreak(in.readInt(), in.readLong()));
      }
      s.expiresMs = in.readLong();
      s.lastReason = in.readUTF();
      // the number of degraded tests, from layout 2 on as -1 - n with the tier-1-only start after
      int degraded = in.readInt();
      int n = degraded < 0 ? -1 - degraded : degraded;
      for (int i = 0; i < n; i++) {
        s.degraded.put(in.readUTF(), in.readLong());
      }
      long lastTier1OnlyWindow = degraded < 0 ? in.readLong() : Long.MIN_VALUE;
      if (lastBreachWindow != Long.MIN_VALUE) {
        s.verdicts.record(lastBreachWindow, WindowVerdicts.BREACH);
      }
      if (lastHealthyWindow != Long.MIN_VALUE) {
        s.verdicts.record(lastHealthyWindow, WindowVerdicts.HEALTHY);
      }
      if (lastTier1OnlyWindow != Long.MIN_VALUE) {
        s.verdicts.record(lastTier1OnlyWindow, WindowVerdicts.DEGRADED);
      }
      return s;
    }

    @Override
    public TypeSerializerSnapshot<PairState> snapshotConfiguration() {
      return new Snapshot();
    }
  }

  public static final class Snapshot extends SimpleTypeSerializerSnapshot<PairState> {
    public Snapshot() {
      super(Serializer::new);
    }
  }
}
