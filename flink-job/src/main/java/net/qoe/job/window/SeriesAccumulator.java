package net.qoe.job.window;

import com.datadoghq.sketch.ddsketch.DDSketch;
import java.io.IOException;
import java.lang.reflect.Type;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.qoe.job.types.CodecSerializer;
import net.qoe.job.types.CodecTypeInfo;
import net.qoe.kafka.message.Measurement;
import org.apache.flink.api.common.typeinfo.TypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * The running state of one series in one window: counts, errors by stage, packets, one sketch per
 * metric with its exact count/min/max/sum, and the jitter estimator. Everything merges exactly
 * except J (see {@link JitterTracker#merge}).
 */
@TypeInfo(SeriesAccumulator.Factory.class)
public final class SeriesAccumulator {

  /** Metric name under which per-packet round-trip times are kept. */
  public static final String RTT = "rtt_ms";

  /** Metric name of the absolute IP packet delay variation |D| between consecutive packets. */
  public static final String IPDV = "ipdv_ms";

  String probeId;
  String target;
  String test;
  long count;
  long okCount;
  int maxTier;
  long packetsSent;
  long packetsReceived;
  long rejectedValues;
  final Map<String, Long> errorsByStage = new TreeMap<>();
  final Map<String, MetricAccumulator> metrics = new TreeMap<>();
  JitterTracker jitter = new JitterTracker();

  public void add(Measurement m) {
    if (probeId == null) {
      probeId = m.probeId();
      target = m.target();
      test = m.test();
    }
    count++;
    maxTier = Math.max(maxTier, m.tier());
    if (m.ok()) {
      okCount++;
    } else {
      String stage = m.error() == null || m.error().stage() == null ? "unknown" : m.error().stage();
      errorsByStage.merge(stage, 1L, Long::sum);
    }
    // Failed runs still carry the timings of the stages that worked: keep them.
    for (Map.Entry<String, Double> e : m.metrics().entrySet()) {
      observe(e.getKey(), e.getValue());
    }
    if (m.sent() != null) {
      packetsSent += m.sent();
    }
    if (m.received() != null) {
      packetsReceived += m.received();
    }
    List<Double> rtts = m.rttMs();
    if (rtts != null) {
      jitter.startRun();
      for (Double rtt : rtts) {
        if (rtt != null && !Double.isFinite(rtt)) {
          rejectedValues++;
          jitter.observe(null);
          continue;
        }
        if (rtt != null) {
          observe(RTT, rtt);
        }
        double ipdv = jitter.observe(rtt);
        if (!Double.isNaN(ipdv)) {
          observe(IPDV, ipdv);
        }
      }
    }
  }

  private void observe(String metric, Double value) {
    if (value == null || !Double.isFinite(value)) {
      rejectedValues++;
      return;
    }
    metrics.computeIfAbsent(metric, k -> new MetricAccumulator()).add(value);
  }

  public void merge(SeriesAccumulator other) {
    if (probeId == null) {
      probeId = other.probeId;
      target = other.target;
      test = other.test;
    }
    count += other.count;
    okCount += other.okCount;
    maxTier = Math.max(maxTier, other.maxTier);
    packetsSent += other.packetsSent;
    packetsReceived += other.packetsReceived;
    rejectedValues += other.rejectedValues;
    other.errorsByStage.forEach((k, v) -> errorsByStage.merge(k, v, Long::sum));
    other.metrics.forEach(
        (k, v) -> metrics.computeIfAbsent(k, x -> new MetricAccumulator()).merge(v));
    jitter.merge(other.jitter);
  }

  public SeriesAggregate toAggregate(long windowStartMs, long windowEndMs) {
    Map<String, MetricSummary> summaries = new TreeMap<>();
    metrics.forEach((k, v) -> summaries.put(k, v.summary()));
    Double loss =
        packetsSent > 0 ? 100.0 * Math.max(0, packetsSent - packetsReceived) / packetsSent : null;
    return new SeriesAggregate(
        probeId,
        target,
        test,
        windowStartMs,
        windowEndMs,
        count,
        okCount,
        Map.copyOf(errorsByStage),
        packetsSent,
        packetsReceived,
        loss,
        jitter.samples() > 0 ? jitter.jitter() : null,
        jitter.samples(),
        Math.max(1, maxTier),
        summaries);
  }

  public long count() {
    return count;
  }

  public long rejectedValues() {
    return rejectedValues;
  }

  /** One metric's sketch and exact moments. */
  static final class MetricAccumulator {
    DDSketch sketch = Sketches.create();
    long count;
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    double sum;

    void add(double v) {
      sketch.accept(v);
      count++;
      min = Math.min(min, v);
      max = Math.max(max, v);
      sum += v;
    }

    void merge(MetricAccumulator o) {
      sketch.mergeWith(o.sketch);
      count += o.count;
      min = Math.min(min, o.min);
      max = Math.max(max, o.max);
      sum += o.sum;
    }

    MetricSummary summary() {
      double[] q = sketch.getValuesAtQuantiles(new double[] {0.5, 0.9, 0.95, 0.99});
      // The sketch's answers are within 1 %; clamp them into the exact range we know.
      for (int i = 0; i < q.length; i++) {
        q[i] = Math.max(min, Math.min(max, q[i]));
      }
      return new MetricSummary(
          count, min, max, sum / count, q[0], q[1], q[2], q[3], Sketches.encode(sketch));
    }
  }

  public static final class Factory extends TypeInfoFactory<SeriesAccumulator> {
    @Override
    public TypeInformation<SeriesAccumulator> createTypeInfo(
        Type t, Map<String, TypeInformation<?>> genericParameters) {
      return new CodecTypeInfo<>(SeriesAccumulator.class, new Serializer());
    }
  }

  /** Field-by-field serializer; sketches in DDSketch's own compact encoding. */
  public static final class Serializer extends CodecSerializer<SeriesAccumulator> {
    private static final long serialVersionUID = 1L;

    @Override
    public boolean isImmutableType() {
      return false;
    }

    @Override
    public SeriesAccumulator createInstance() {
      return new SeriesAccumulator();
    }

    @Override
    protected void write(SeriesAccumulator a, DataOutputView out) throws IOException {
      writeNullableString(a.probeId, out);
      writeNullableString(a.target, out);
      writeNullableString(a.test, out);
      out.writeLong(a.count);
      out.writeLong(a.okCount);
      out.writeInt(a.maxTier);
      out.writeLong(a.packetsSent);
      out.writeLong(a.packetsReceived);
      out.writeLong(a.rejectedValues);
      out.writeInt(a.errorsByStage.size());
      for (Map.Entry<String, Long> e : a.errorsByStage.entrySet()) {
        out.writeUTF(e.getKey());
        out.writeLong(e.getValue());
      }
      out.writeInt(a.metrics.size());
      for (Map.Entry<String, MetricAccumulator> e : a.metrics.entrySet()) {
        MetricAccumulator m = e.getValue();
        out.writeUTF(e.getKey());
        out.writeLong(m.count);
        out.writeDouble(m.min);
        out.writeDouble(m.max);
        out.writeDouble(m.sum);
        writeBytes(Sketches.encode(m.sketch), out);
      }
      out.writeDouble(a.jitter.jitter());
      out.writeLong(a.jitter.samples());
    }

    @Override
    protected SeriesAccumulator read(DataInputView in) throws IOException {
      SeriesAccumulator a = new SeriesAccumulator();
      a.probeId = readNullableString(in);
      a.target = readNullableString(in);
      a.test = readNullableString(in);
      a.count = in.readLong();
      a.okCount = in.readLong();
      a.maxTier = in.readInt();
      a.packetsSent = in.readLong();
      a.packetsReceived = in.readLong();
      a.rejectedValues = in.readLong();
      int errors = in.readInt();
      for (int i = 0; i < errors; i++) {
        a.errorsByStage.put(in.readUTF(), in.readLong());
      }
      int metrics = in.readInt();
      for (int i = 0; i < metrics; i++) {
        String name = in.readUTF();
        MetricAccumulator m = new MetricAccumulator();
        m.count = in.readLong();
        m.min = in.readDouble();
        m.max = in.readDouble();
        m.sum = in.readDouble();
        m.sketch = Sketches.decode(readBytes(in));
        a.metrics.put(name, m);
      }
      a.jitter = new JitterTracker(in.readDouble(), in.readLong());
      return a;
    }

    @Override
    public TypeSerializerSnapshot<SeriesAccumulator> snapshotConfiguration() {
      return new Snapshot();
    }
  }

  public static final class Snapshot extends SimpleTypeSerializerSnapshot<SeriesAccumulator> {
    public Snapshot() {
      super(Serializer::new);
    }
  }
}
