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
 * healthy windows that drive hysteresis, the cooldown, the fast-path streak of raw breaches, and
 * the expiry of the command currently in force.
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
  long cooldownUntilMs;
  int fastStreak;
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
   * A window with a breach. Windows of several tests of the pair can arrive for the same start; the
   * streak counts window starts, and is broken only by a window that was healthy throughout.
   */
  void breach(long window, String test, String reason) {
    degraded.put(test, window);
    if (window != lastBreachWindow) {
      boolean brokenByHealthy = lastHealthyWindow > lastBreachWindow && lastHealthyWindow < window;
      breachStreak = lastBreachWindow == Long.MIN_VALUE || brokenByHealthy ? 1 : breachStreak + 1;
      lastBreachWindow = window;
    }
    lastReason = reason;
    healthyStreak = 0;
    if (lastHealthyWindow == window) {
      lastHealthyWindow = Long.MIN_VALUE;
    }
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
    if (window != lastHealthyWindow && window != lastBreachWindow) {
      healthyStreak++;
      lastHealthyWindow = window;
    }
  }

  void enter(int newTier, long nowMs) {
    tier = newTier;
    enteredMs = nowMs;
    breachStreak = 0;
    healthyStreak = 0;
    fastStreak = 0;
    lastBreachWindow = Long.MIN_VALUE;
    lastHealthyWindow = Long.MIN_VALUE;
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
      out.writeInt(s.fastStreak);
      out.writeLong(s.expiresMs);
      out.writeUTF(s.lastReason);
      out.writeInt(s.degraded.size());
      for (Map.Entry<String, Long> e : s.degraded.entrySet()) {
        out.writeUTF(e.getKey());
        out.writeLong(e.getValue());
      }
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
      s.fastStreak = in.readInt();
      s.expiresMs = in.readLong();
      s.lastReason = in.readUTF();
      int degraded = in.readInt();
      for (int i = 0; i < degraded; i++) {
        s.degraded.put(in.readUTF(), in.readLong());
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
