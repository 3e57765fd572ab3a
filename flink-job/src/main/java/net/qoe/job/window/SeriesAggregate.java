package net.qoe.job.window;

import java.io.IOException;
import java.lang.reflect.Type;
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
 * One series (probe, target, test) over one window: what the job writes to {@code agg_1m} and
 * {@code agg_1m_metric}.
 *
 * @param lossPct 100 × (sent − received) / sent over the window's packets; null without packets
 * @param jitterMs RFC 3550 J at the end of the window; null without two consecutive packets
 * @param metrics per metric name ({@code total_ms}, {@code rtt_ms}, {@code ipdv_ms}, …)
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

  public SeriesAggregate {
    errorsByStage = Map.copyOf(errorsByStage);
    metrics = java.util.Collections.unmodifiableMap(new TreeMap<>(metrics));
  }

  public long errorCount() {
    return count - okCount;
  }

  public SeriesKey seriesKey() {
    return new SeriesKey(probeId, target, test);
  }

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

  public static final class Factory extends TypeInfoFactory<SeriesAggregate> {
    @Override
    public TypeInformation<SeriesAggregate> createTypeInfo(
        Type t, Map<String, TypeInformation<?>> genericParameters) {
      return new CodecTypeInfo<>(SeriesAggregate.class, new Serializer());
    }
  }

  public static final class Serializer extends CodecSerializer<SeriesAggregate> {
    private static final long serialVersionUID = 1L;

    @Override
    public boolean isImmutableType() {
      return true;
    }

    @Override
    protected void write(SeriesAggregate a, DataOutputView out) throws IOException {
      out.writeUTF(a.probeId);
      out.writeUTF(a.target);
      out.writeUTF(a.test);
      out.writeLong(a.windowStartMs);
      out.writeLong(a.windowEndMs);
      out.writeLong(a.count);
      out.writeLong(a.okCount);
      out.writeInt(a.errorsByStage.size());
      for (Map.Entry<String, Long> e : new TreeMap<>(a.errorsByStage).entrySet()) {
        out.writeUTF(e.getKey());
        out.writeLong(e.getValue());
      }
      out.writeLong(a.packetsSent);
      out.writeLong(a.packetsReceived);
      writeNullableDouble(a.lossPct, out);
      writeNullableDouble(a.jitterMs, out);
      out.writeLong(a.jitterSamples);
      out.writeInt(a.maxTier);
      out.writeInt(a.metrics.size());
      for (Map.Entry<String, MetricSummary> e : a.metrics.entrySet()) {
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
      String probeId = in.readUTF();
      String target = in.readUTF();
      String test = in.readUTF();
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

  public static final class Snapshot extends SimpleTypeSerializerSnapshot<SeriesAggregate> {
    public Snapshot() {
      super(Serializer::new);
    }
  }
}
