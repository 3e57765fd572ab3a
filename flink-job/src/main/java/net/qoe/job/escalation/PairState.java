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
  int breachStreak;
  long lastBreachWindow = Long.MIN_VALUE;
  int healthyStreak;
  long lastHealthyWindow = Long.MIN_VALUE;

  /**
   * At tier 2, the latest window start with a breach of tier-1 thresholds only (the pair still
   * slow, its deeper tests fine or not run): it breaks the streak of tier-2 breaches, unless
   * another test's window of the same start breached a tier-2 threshold.
   */
  long lastTier1OnlyWindow = Long.MIN_VALUE;

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
   * A window with a breach. Windows of several tests of the pair can arrive for the same start; the
   * streak counts window starts, and is broken only by a window that was healthy throughout.
   */
  void breach(long window, String test, String reason) {
    degraded.put(test, window);
    if (window != lastBreachWindow) {
      boolean broken =
          between(lastHealthyWindow, lastBreachWindow, window)
              || between(lastTier1OnlyWindow, lastBreachWindow, window);
      breachStreak = lastBreachWindow == Long.MIN_VALUE || broken ? 1 : breachStreak + 1;
      lastBreachWindow = window;
    }
    lastReason = reason;
    healthyStreak = 0;
    if (lastHealthyWindow == window) {
      lastHealthyWindow = Long.MIN_VALUE;
    }
  }

  /**
   * At tier 2, a window over tier-1 thresholds only: not healthy, and not a step towards tier 3. It
   * ends the streak of tier-2 breaches only as a start of its own: windows of several tests arrive
   * for one start in any order, and a tier-2 breach of any of them makes that start count.
   */
  void tier1Only(long window, String test, String reason) {
    degraded.put(test, window);
    lastTier1OnlyWindow = Math.max(lastTier1OnlyWindow, window);
    lastReason = reason;
    healthyStreak = 0;
    if (lastHealthyWindow == window) {
      lastHealthyWindow = Long.MIN_VALUE;
    }
  }

  private static boolean between(long mark, long after, long before) {
    return mark > after && mark < before;
  }

  /**
   * A window without a breach.
   *
   * @param staleBefore a degraded test whose last breach started before this is forgotten
   */
  void healthy(long window, String test, long staleBefore) {
    degraded.remove(test);
    degraded.values().removeIf(lastBreach -> lastBreach < staleBefore);
    if (!degraded.isEmpty()) {
      return;
    }
    if (window != lastHealthyWindow
        && window != lastBreachWindow
        && window != lastTier1OnlyWindow) {
      healthyStreak++;
      lastHealthyWindow = window;
    }
  }

  void enter(int newTier, long nowMs) {
    tier = newTier;
    enteredMs = nowMs;
    breachStreak = 0;
    healthyStreak = 0;
    fastStreaks.clear();
    lastBreachWindow = Long.MIN_VALUE;
    lastHealthyWindow = Long.MIN_VALUE;
    lastTier1OnlyWindow = Long.MIN_VALUE;
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

    @Override
    protected void write(PairState s, DataOutputView out) throws IOException {
      out.writeInt(s.tier);
      out.writeLong(s.enteredMs);
      out.writeInt(s.breachStreak);
      out.writeLong(s.lastBreachWindow);
      out.writeInt(s.healthyStreak);
      out.writeLong(s.lastHealthyWindow);
      out.writeLong(s.cooldownUntilMs);
      // Once the pair's single fast streak (never negative), now the number of per-test streaks
      // that follow, as -1 - n, so that state from before still reads.
      out.writeInt(-1 - s.fastStreaks.size());
      for (Map.Entry<String, FastStreak> e : s.fastStreaks.entrySet()) {
        out.writeUTF(e.getKey());
        out.writeInt(e.getValue().breaches);
        out.writeLong(e.getValue().lastBreachMs);
      }
      out.writeLong(s.expiresMs);
      out.writeUTF(s.lastReason);
      // Once the number of degraded tests (never negative), now -1 - n, so that state from
      // before, without the last tier-1-only window after them, still reads.
      out.writeInt(-1 - s.degraded.size());
      for (Map.Entry<String, Long> e : s.degraded.entrySet()) {
        out.writeUTF(e.getKey());
        out.writeLong(e.getValue());
      }
      out.writeLong(s.lastTier1OnlyWindow);
    }

    @Override
    protected PairState read(DataInputView in) throws IOException {
      PairState s = new PairState();
      s.tier = in.readInt();
      s.enteredMs = in.readLong();
      s.breachStreak = in.readInt();
      s.lastBreachWindow = in.readLong();
      s.healthyStreak = in.readInt();
      s.lastHealthyWindow = in.readLong();
      s.cooldownUntilMs = in.readLong();
      int fast = in.readInt();
      // Before per-test streaks (fast >= 0) the pair had one streak of fewer breaches than
      // escalate; no test can be named for it, so it starts again.
      for (int i = 0; i < -1 - fast; i++) {
        s.fastStreaks.put(in.readUTF(), new FastStreak(in.readInt(), in.readLong()));
      }
      s.expiresMs = in.readLong();
      s.lastReason = in.readUTF();
      int degraded = in.readInt();
      int n = degraded < 0 ? -1 - degraded : degraded;
      for (int i = 0; i < n; i++) {
        s.degraded.put(in.readUTF(), in.readLong());
      }
      if (degraded < 0) {
        s.lastTier1OnlyWindow = in.readLong();
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
