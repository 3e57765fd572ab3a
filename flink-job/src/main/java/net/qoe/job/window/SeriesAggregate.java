package net.qoe.job.window;

import java.io.IOException;
import java.lang.reflect.Type;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import net.qoe.job.types.CodecSerializer;
import net.qoe.job.types.CodecTypeInfo;
import net.qoe.kafka.message.SeriesKey;
import org.apache.flink.api.common.typeinfo.TypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * One series (probe, target, test) over one window: what the job writes to the aggregate tables.
 * The maps are immutable and sorted by name.
 *
 * @param windowStartMs window start (inclusive), epoch ms; 0 when built without its window
 * @param windowEndMs window end (exclusive), epoch ms; 0 when built without its window
 * @param count measurements (runs) in the window
 * @param okCount runs that succeeded; the others are counted in {@code errorsByStage}
 * @param errorsByStage failed runs by the stage they failed in (dns, connect, tls, timeout, …)
 * @param packetsSent packets sent by all runs of tests that send packets
 * @param packetsReceived packets of those that came back
 * @param lossPct 100 × (sent − received) / sent; null when no packets were sent
 * @param jitterMs RFC 3550 J at the end of the window ({@link JitterTracker}); null when no IPDV
 *     sample was formed
 * @param jitterSamples IPDV samples (differences between consecutive received packets) behind J
 * @param maxTier highest tier among the window's runs
 * @param metrics per metric name ({@code total_ms}, {@code dns_ms}, {@value SeriesAccumulator#RTT},
 *     {@value SeriesAccumulator#IPDV}, …)
 */
@TypeInfo(SeriesAggregate.Factory.class)
public record SeriesAggregate(
    String probeId,
    String target,
    String test,
    long windowStartMs,
    long windowEndMs,
    long count,
    long okCount,
    Map<String, Long> errorsByStage,
    long packetsSent,
    long packetsReceived,
    Double lossPct,
    Double jitterMs,
    long jitterSamples,
    int maxTier,
    Map<String, MetricSummary> metrics) {

  /** Flink's type for aggregates: {@link Serializer}, never Kryo. */
  public static final TypeInformation<SeriesAggregate> TYPE =
      new CodecTypeInfo<>(SeriesAggregate.class, new Serializer());

  public SeriesAggregate {
    errorsByStage = sortedCopy(errorsByStage);
    metrics = sortedCopy(metrics);
  }

  private static <V> Map<String, V> sortedCopy(Map<String, V> map) {
    return map == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(map));
  }

  /** Runs that failed. */
  public long errorCount() {
    return count - okCount;
  }

  public SeriesKey seriesKey() {
    return new SeriesKey(probeId, target, test);
  }

  /** The same aggregate for the window [startMs, endMs). */
  public SeriesAggregate withWindow(long startMs, long endMs) {
    return new SeriesAggregate(
        probeId,
        target,
        test,
        startMs,
        endMs,
        count,
        okCount,
        errorsByStage,
        packetsSent,
        packetsReceived,
        lossPct,
        jitterMs,
        jitterSamples,
        maxTier,
        metrics);
  }

  /** Binds the record to {@link Serializer} wherever Flink looks. */
  public static final class Factory extends TypeInfoFactory<SeriesAggregate> {
    @Override
    public TypeInformation<SeriesAggregate> createTypeInfo(
        Type t, Map<String, TypeInformation<?>> genericParameters) {
      return TYPE;
    }
  }

  /**
   * Flink's serializer for {@link SeriesAggregate}: a record is not a POJO Flink can split into
   * fields with its maps, so without this it would go to Kryo.
   *
   * <p>Format (version 1): a version byte; probe, target, test (nullable UTF); window start and
   * end, count, ok count (long); errors by stage (int size, then UTF + long); packets sent and
   * received (long); loss and jitter (nullable double: a presence flag, then the value); jitter
   * samples (long); max tier (int); metrics (int size, then UTF name, long count, seven doubles
   * min, max, mean, p50, p90, p95, p99, and int length + encoded sketch).
   */
  public static final class Serializer extends CodecSerializer<SeriesAggregate> {

    private static final long serialVersionUID = 1L;

    static final byte FORMAT_VERSION = 1;

    @Override
    public boolean isImmutableType() {
      // The record and its maps are immutable; the sketch bytes are never written to after
      // creation.
      return true;
    }

    @Override
    protected void write(SeriesAggregate a, DataOutputView out) throws IOException {
      out.writeByte(FORMAT_VERSION);
      writeNullableString(a.probeId(), out);
      writeNullableString(a.target(), out);
      writeNullableString(a.test(), out);
      out.writeLong(a.windowStartMs());
      out.writeLong(a.windowEndMs());
      out.writeLong(a.count());
      out.writeLong(a.okCount());
      out.writeInt(a.errorsByStage().size());
      for (Map.Entry<String, Long> e : a.errorsByStage().entrySet()) {
        out.writeUTF(e.getKey());
        out.writeLong(e.getValue());
      }
      out.writeLong(a.packetsSent());
      out.writeLong(a.packetsReceived());
      writeNullableDouble(a.lossPct(), out);
      writeNullableDouble(a.jitterMs(), out);
      out.writeLong(a.jitterSamples());
      out.writeInt(a.maxTier());
      out.writeInt(a.metrics().size());
      for (Map.Entry<String, MetricSummary> e : a.metrics().entrySet()) {
        MetricSummary m = e.getValue();
        out.writeUTF(e.getKey());
        out.writeLong(m.count());
        out.writeDouble(m.min());
        out.writeDouble(m.max());
        out.writeDouble(m.mean());
        out.writeDouble(m.p50());
        out.writeDouble(m.p90());
        out.writeDouble(m.p95());
        out.writeDouble(m.p99());
        writeBytes(m.sketch(), out);
      }
    }

    @Override
    protected SeriesAggregate read(DataInputView in) throws IOException {
      byte version = in.readByte();
      if (version != FORMAT_VERSION) {
        throw new IOException(
            "SeriesAggregate written in format "
                + version
                + ", this job reads format "
                + FORMAT_VERSION);
      }
      String probeId = readNullableString(in);
      String target = readNullableString(in);
      String test = readNullableString(in);
      long start = in.readLong();
      long end = in.readLong();
      long count = in.readLong();
      long ok = in.readLong();
      int nErrors = in.readInt();
      Map<String, Long> errors = new TreeMap<>();
      for (int i = 0; i < nErrors; i++) {
        errors.put(in.readUTF(), in.readLong());
      }
      long sent = in.readLong();
      long received = in.readLong();
      Double loss = readNullableDouble(in);
      Double jitter = readNullableDouble(in);
      long jitterSamples = in.readLong();
      int tier = in.readInt();
      int nMetrics = in.readInt();
      Map<String, MetricSummary> metrics = new TreeMap<>();
      for (int i = 0; i < nMetrics; i++) {
        String name = in.readUTF();
        metrics.put(
            name,
            new MetricSummary(
                in.readLong(),
                in.readDouble(),
                in.readDouble(),
                in.readDouble(),
                in.readDouble(),
                in.readDouble(),
                in.readDouble(),
                in.readDouble(),
                readBytes(in)));
      }
      return new SeriesAggregate(
          probeId,
          target,
          test,
          start,
          end,
          count,
          ok,
          errors,
          sent,
          received,
          loss,
          jitter,
          jitterSamples,
          tier,
          metrics);
    }

    @Override
    public TypeSerializerSnapshot<SeriesAggregate> snapshotConfiguration() {
      return new Snapshot();
    }
  }

  /** Restores {@link Serializer} from checkpoints and savepoints; needs its public no-arg form. */
  public static final class Snapshot extends SimpleTypeSerializerSnapshot<SeriesAggregate> {
    public Snapshot() {
      super(Serializer::new);
    }
  }
}
