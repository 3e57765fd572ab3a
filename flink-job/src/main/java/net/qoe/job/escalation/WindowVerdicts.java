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
 * What the recent window starts of one pair came to, so that streaks count window starts and not
 * window emissions.
 *
 * <p>Windows reach the escalator in no fixed order and more than once: the windows of a pair's
 * tests for one start arrive one by one, a window that takes a late measurement within the allowed
 * lateness is emitted again (complete) after newer ones, and a deep test that outlasts its window
 * lands in it late. So each start keeps one verdict, the worst any of its windows gave it, and a
 * streak is the run of neighbouring starts (starts without data do not count, nor break) with the
 * same verdict: the same start emitted twice counts once, and a late start fills the gap it belongs
 * to.
 *
 * <p>After a change of tier, starts up to the newest one seen (the floor) no longer count, so a
 * window from before the change, emitted again, cannot push the pair on or bring it back. Only the
 * newest {@link #CAPACITY} starts are kept: older windows can only come back within the allowed
 * lateness.
 */
final class WindowVerdicts {

  /** A window start with no breach in any of its windows. */
  static final byte HEALTHY = 0;

  /** At tier 2: over a tier-1 threshold only (still slow), not a step towards tier 3. */
  static final byte DEGRADED = 1;

  /** Over the threshold that counts towards the next tier. */
  static final byte BREACH = 2;

  static final int CAPACITY = 64;

  static final TypeInformation<WindowVerdicts> TYPE =
      new CodecTypeInfo<>(WindowVerdicts.class, new Serializer());

  private final TreeMap<Long, Byte> verdicts = new TreeMap<>();
  private long floor = Long.MIN_VALUE;

  /**
   * Records a window of {@code start}; the start keeps its worst verdict. Returns false when the
   * start no longer counts (at or under the floor, or older than the starts kept).
   */
  boolean record(long start, byte verdict) {
    if (start <= floor) {
      return false;
    }
    verdicts.merge(start, verdict, (a, b) -> a >= b ? a : b);
    while (verdicts.size() > CAPACITY) {
      verdicts.pollFirstEntry();
    }
    return verdicts.containsKey(start);
  }

  /** The verdict of {@code start}, or -1 if it has none. */
  byte verdict(long start) {
    Byte v = verdicts.get(start);
    return v == null ? -1 : v;
  }

  /** The run of neighbouring starts around {@code start} with its verdict; 0 if it has none. */
  int runAround(long start) {
    Byte v = verdicts.get(start);
    if (v == null) {
      return 0;
    }
    int n = 1;
    for (Byte b : verdicts.headMap(start, false).descendingMap().values()) {
      if (!b.equals(v)) {
        break;
      }
      n++;
    }
    for (Byte b : verdicts.tailMap(start, false).values()) {
      if (!b.equals(v)) {
        break;
      }
      n++;
    }
    return n;
  }

  /** The run of the newest starts that have {@code verdict}. */
  int newestRun(byte verdict) {
    int n = 0;
    for (Byte b : verdicts.descendingMap().values()) {
      if (b != verdict) {
        break;
      }
      n++;
    }
    return n;
  }

  /** Forgets every start and lets none up to the newest seen count again. */
  void restart() {
    if (!verdicts.isEmpty()) {
      floor = Math.max(floor, verdicts.lastKey());
    }
    verdicts.clear();
  }

  long floor() {
    return floor;
  }

  boolean isEmpty() {
    return verdicts.isEmpty();
  }

  void write(DataOutputView out) throws IOException {
    out.writeLong(floor);
    out.writeInt(verdicts.size());
    for (Map.Entry<Long, Byte> e : verdicts.entrySet()) {
      out.writeLong(e.getKey());
      out.writeByte(e.getValue());
    }
  }

  static WindowVerdicts read(DataInputView in) throws IOException {
    WindowVerdicts v = new WindowVerdicts();
    v.floor = in.readLong();
    int n = in.readInt();
    for (int i = 0; i < n; i++) {
      v.verdicts.put(in.readLong(), in.readByte());
    }
    return v;
  }

  static final class Serializer extends CodecSerializer<WindowVerdicts> {
    private static final long serialVersionUID = 1L;

    @Override
    public boolean isImmutableType() {
      return false;
    }

    @Override
    public WindowVerdicts createInstance() {
      return new WindowVerdicts();
    }

    @Override
    protected void write(WindowVerdicts v, DataOutputView out) throws IOException {
      v.write(out);
    }

    @Override
    protected WindowVerdicts read(DataInputView in) throws IOException {
      return WindowVerdicts.read(in);
    }

    @Override
    public TypeSerializerSnapshot<WindowVerdicts> snapshotConfiguration() {
      return new Snapshot();
    }
  }

  public static final class Snapshot extends SimpleTypeSerializerSnapshot<WindowVerdicts> {
    public Snapshot() {
      super(Serializer::new);
    }
  }
}
