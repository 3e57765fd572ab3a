package net.qoe.job.baseline;

import java.io.IOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.HashMap;
import java.util.Map;
import net.qoe.job.types.CodecSerializer;
import net.qoe.job.types.CodecTypeInfo;
import net.qoe.job.window.SeriesAggregate;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Scores every window of a series against the series' own baselines, one per headline, kept in
 * keyed state. A window scoring at or above the anomaly score on any headline is anomalous and
 * teaches the baselines nothing.
 */
public final class SeriesBaselines
    extends KeyedProcessFunction<String, SeriesAggregate, ScoredWindow> {

  private static final long serialVersionUID = 1L;

  private final BaselinePolicy policy;
  private transient ValueState<Baselines> state;
  private transient Counter anomalous;

  public SeriesBaselines(BaselinePolicy policy) {
    this.policy = policy;
  }

  @Override
  public void open(OpenContext openContext) {
    state =
        getRuntimeContext()
            .getState(
                new ValueStateDescriptor<>(
                    "baselines", new CodecTypeInfo<>(Baselines.class, new BaselinesSerializer())));
    anomalous = getRuntimeContext().getMetricGroup().counter("anomalousWindows");
  }

  @Override
  public void processElement(SeriesAggregate a, Context ctx, Collector<ScoredWindow> out)
      throws Exception {
    Baselines b = state.value();
    if (b == null) {
      b = new Baselines();
    }
    ScoredWindow scored = score(b, a, policy);
    if (scored.anomalous()) {
      anomalous.inc();
    }
    state.update(b);
    out.collect(scored);
  }

  /** Scores {@code a} and, unless it is anomalous, teaches {@code b}. Pure; used by tests. */
  public static ScoredWindow score(Baselines b, SeriesAggregate a, BaselinePolicy policy) {
    int hourOfWeek = hourOfWeek(a.windowStartMs());
    Map<String, Double> values = Headlines.of(a);
    // a non-finite value would poison the level and every later score
    values.values().removeIf(v -> v == null || !Double.isFinite(v));
    Map<String, MetricScore> scores = new HashMap<>();
    String worst = null;
    boolean anomalousWindow = false;
    for (Map.Entry<String, Double> e : values.entrySet()) {
      MetricBaseline baseline = b.metrics.computeIfAbsent(e.getKey(), k -> new MetricBaseline());
      MetricBaseline.Expectation expected = baseline.expect(hourOfWeek, policy);
      if (expected == null) {
        continue;
      }
      double sigma = expected.sigma();
      if (Headlines.LOSS.equals(e.getKey()) && a.packetsSent() > 0) {
        // one lost packet in forty is 2.5 %: the spread of a loss rate is at least the binomial
        // spread for this many packets, or every unlucky packet would be an anomaly
        double n = a.packetsSent();
        double p = Math.max(expected.value() / 100, 1 / n);
        sigma = Math.max(sigma, 100 * Math.sqrt(p * (1 - p) / n));
      }
      double score = Headlines.direction(e.getKey()) * (e.getValue() - expected.value()) / sigma;
      scores.put(e.getKey(), new MetricScore(e.getValue(), expected.value(), sigma, score));
      if (worst == null || score > scores.get(worst).score()) {
        worst = e.getKey();
      }
      anomalousWindow |= score >= policy.anomalyScore();
    }
    if (a.windowStartMs() <= b.lastWindowStartMs) {
      // a window re-fired by late data (or replayed out of order) was already learned from once
      return new ScoredWindow(a, scores, anomalousWindow, worst);
    }
    b.lastWindowStartMs = a.windowStartMs();
    long week = Math.floorDiv(a.windowStartMs(), 7L * 24 * 3600 * 1000);
    for (Map.Entry<String, Double> e : values.entrySet()) {
      MetricBaseline baseline = b.metrics.get(e.getKey());
      baseline.observe(e.getValue(), hourOfWeek, week, policy);
      if (!anomalousWindow) {
        baseline.update(e.getValue(), hourOfWeek, a.count(), policy);
      }
    }
    return new ScoredWindow(a, scores, anomalousWindow, worst);
  }

  static int hourOfWeek(long epochMs) {
    ZonedDateTime t = Instant.ofEpochMilli(epochMs).atZone(ZoneOffset.UTC);
    return (t.getDayOfWeek().getValue() - 1) * 24 + t.getHour();
  }

  /** All baselines of one series. */
  public static final class Baselines {
    final Map<String, MetricBaseline> metrics = new HashMap<>();
    long lastWindowStartMs = Long.MIN_VALUE;

    public MetricBaseline get(String headline) {
      return metrics.get(headline);
    }
  }

  static final class BaselinesSerializer extends CodecSerializer<Baselines> {
    private static final long serialVersionUID = 1L;
    private static final byte FORMAT_VERSION = 1;

    @Override
    public boolean isImmutableType() {
      return false;
    }

    @Override
    public Baselines createInstance() {
      return new Baselines();
    }

    @Override
    protected void write(Baselines b, DataOutputView out) throws IOException {
      out.writeByte(FORMAT_VERSION);
      out.writeLong(b.lastWindowStartMs);
      out.writeInt(b.metrics.size());
      for (Map.Entry<String, MetricBaseline> e : b.metrics.entrySet()) {
        out.writeUTF(e.getKey());
        e.getValue().write(out);
      }
    }

    @Override
    protected Baselines read(DataInputView in) throws IOException {
      byte version = in.readByte();
      if (version != FORMAT_VERSION) {
        throw new IOException("series baselines written in format " + version);
      }
      Baselines b = new Baselines();
      b.lastWindowStartMs = in.readLong();
      int n = in.readInt();
      for (int i = 0; i < n; i++) {
        b.metrics.put(in.readUTF(), MetricBaseline.read(in));
      }
      return b;
    }

    @Override
    public TypeSerializerSnapshot<Baselines> snapshotConfiguration() {
      return new BaselinesSnapshot();
    }
  }

  public static final class BaselinesSnapshot extends SimpleTypeSerializerSnapshot<Baselines> {
    public BaselinesSnapshot() {
      super(BaselinesSerializer::new);
    }
  }
}
