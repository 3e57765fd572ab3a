package net.qoe.job.window;

import java.io.IOException;
import java.util.Map;
import net.qoe.job.types.CodecSerializer;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Flink's serializer for {@link SeriesAccumulator} (window state): field by field, each sketch in
 * DDSketch's own compact encoding ({@link Sketches#encode}, not its protobuf binding), never Kryo
 * or Java serialization.
 *
 * <p>Format (version 1): a version byte; probe, target and test as nullable UTF strings; count, ok
 * count (long), max tier (int), packets sent and received (long); errors by stage and rejected
 * values by metric as (int size, then UTF name + long count per entry); metrics as (int size, then
 * UTF name, long count, double min, max, sum, int length + sketch bytes per entry); J (double) and
 * its sample count (long). Version 2 adds Σ(v − mean)² (double) after each metric's sum, and the
 * last run's mean RTT (double) and event time (long) at the end; state in version 1 still reads,
 * with those unknown (no RTT σ for that window, no run pair with its last run). The version byte
 * lets a later format still read state written by this one.
 */
public final class SeriesAccumulatorSerializer extends CodecSerializer<SeriesAccumulator> {

  private static final long serialVersionUID = 1L;

  static final byte FORMAT_VERSION = 2;

  @Override
  public boolean isImmutableType() {
    return false;
  }

  @Override
  public SeriesAccumulator createInstance() {
    return new SeriesAccumulator();
  }

  @Override
  public SeriesAccumulator copy(SeriesAccumulator from) {
    return from == null ? null : from.copy();
  }

  @Override
  public SeriesAccumulator copy(SeriesAccumulator from, SeriesAccumulator reuse) {
    return copy(from);
  }

  @Override
  protected void write(SeriesAccumulator a, DataOutputView out) throws IOException {
    out.writeByte(FORMAT_VERSION);
    writeNullableString(a.probeId, out);
    writeNullableString(a.target, out);
    writeNullableString(a.test, out);
    out.writeLong(a.count);
    out.writeLong(a.okCount);
    out.writeInt(a.maxTier);
    out.writeLong(a.packetsSent);
    out.writeLong(a.packetsReceived);
    writeCounts(a.errorsByStage, out);
    writeCounts(a.rejectedByMetric, out);
    out.writeInt(a.metrics.size());
    for (Map.Entry<String, SeriesAccumulator.MetricAccumulator> e : a.metrics.entrySet()) {
      SeriesAccumulator.MetricAccumulator m = e.getValue();
      out.writeUTF(e.getKey());
      out.writeLong(m.count);
      out.writeDouble(m.min);
      out.writeDouble(m.max);
      out.writeDouble(m.sum);
      out.writeDouble(m.m2);
      writeBytes(Sketches.encode(m.sketchForState()), out);
    }
    out.writeDouble(a.jitter.jitter());
    out.writeLong(a.jitter.samples());
    out.writeDouble(a.previousRunRtt);
    out.writeLong(a.previousRunTs);
  }

  @Override
  protected SeriesAccumulator read(DataInputView in) throws IOException {
    byte version = in.readByte();
    if (version != 1 && version != FORMAT_VERSION) {
      throw new IOException(
          "SeriesAccumulator written in format "
              + version
              + ", this job reads format "
              + FORMAT_VERSION
              + " (state from a newer job version?)");
    }
    SeriesAccumulator a = new SeriesAccumulator();
    a.probeId = readNullableString(in);
    a.target = readNullableString(in);
    a.test = readNullableString(in);
    a.count = in.readLong();
    a.okCount = in.readLong();
    a.maxTier = in.readInt();
    a.packetsSent = in.readLong();
    a.packetsReceived = in.readLong();
    readCounts(a.errorsByStage, in);
    readCounts(a.rejectedByMetric, in);
    int metrics = in.readInt();
    for (int i = 0; i < metrics; i++) {
      String name = in.readUTF();
      SeriesAccumulator.MetricAccumulator m = new SeriesAccumulator.MetricAccumulator();
      m.count = in.readLong();
      m.min = in.readDouble();
      m.max = in.readDouble();
      m.sum = in.readDouble();
      m.m2 = version >= 2 ? in.readDouble() : Double.NaN;
      m.restore(Sketches.decode(readBytes(in)));
      a.metrics.put(name, m);
    }
    double j = in.readDouble();
    long samples = in.readLong();
    a.jitter = JitterTracker.of(j, samples);
    if (version >= 2) {
      a.previousRunRtt = in.readDouble();
      a.previousRunTs = in.readLong();
    }
    return a;
  }

  private static void writeCounts(Map<String, Long> counts, DataOutputView out) throws IOException {
    out.writeInt(counts.size());
    for (Map.Entry<String, Long> e : counts.entrySet()) {
      out.writeUTF(e.getKey());
      out.writeLong(e.getValue());
    }
  }

  private static void readCounts(Map<String, Long> into, DataInputView in) throws IOException {
    int n = in.readInt();
    for (int i = 0; i < n; i++) {
      into.put(in.readUTF(), in.readLong());
    }
  }

  @Override
  public TypeSerializerSnapshot<SeriesAccumulator> snapshotConfiguration() {
    return new Snapshot();
  }

  /** Restores this serializer from checkpoints and savepoints; needs its public no-arg form. */
  public static final class Snapshot extends SimpleTypeSerializerSnapshot<SeriesAccumulator> {
    public Snapshot() {
      super(SeriesAccumulatorSerializer::new);
    }
  }
}
