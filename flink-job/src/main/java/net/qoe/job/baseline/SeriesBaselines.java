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
  private static final double LOSS_MEMORY = 0.998;

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

  /**
   * Scores {@code a} and, unless it is suspect, teaches {@code b}. Pure; used by tests and the
   * detection benchmark.
   *
   * <p>A window is suspect when a headline scores at least the anomaly score; suspect windows never
   * feed the baselines. It is anomalous (an alarm) when its score reaches the immediate score, or
   * when it is the {@code confirmWindows}-th suspect window in a row, so that one noisy window is
   * not an alarm while a real shift is one by its second window. Packet loss is also pooled over
   * consecutive windows by a binomial CUSUM, which finds a few extra lost packets per window that
   * no single window shows; its alarm needs no confirmation (it is already an accumulation).
   */
  public static ScoredWindow score(Baselines b, SeriesAggregate a, BaselinePolicy policy) {
    int hourOfWeek = hourOfWeek(a.windowStartMs());
    boolean refired = a.windowStartMs() <= b.lastWindowStartMs;
    // what the series stood at before this window: now, or for a re-fire as it was then
    Before before =
        refired
            ? b.recent.get(a.windowStartMs())
            : new Before(
                b.lossCusum,
                b.lossSent > 0 ? b.lossLost / b.lossSent : Double.NaN,
                b.suspectStreak);
    Map<String, Double> values = Headlines.of(a);
    // a non-finite value would poison the level and every later score
    values.values().removeIf(v -> v == null || !Double.isFinite(v));
    Map<String, MetricScore> scores = new HashMap<>();
    String worst = null;
    boolean suspect = false;
    boolean pooledAlarm = false;
    double cusum = Double.NaN;
    for (Map.Entry<String, Double> e : values.entrySet()) {
      MetricBaseline baseline = b.metrics.computeIfAbsent(e.getKey(), k -> new MetricBaseline());
      MetricBaseline.Expectation expected = baseline.expect(hourOfWeek, policy);
      if (expected == null) {
        continue;
      }
      double sigma = expected.sigma();
      double score;
      if (Headlines.LOSS.equals(e.getKey()) && a.packetsSent() > 0) {
        // one lost packet in forty is 2.5 %: the spread of a loss rate is at least the binomial
        // spread for this many packets, or every unlucky packet would be an anomaly
        double n = a.packetsSent();
        double p = Math.max(expected.value() / 100, 1 / n);
        sigma = Math.max(sigma, 100 * Math.sqrt(p * (1 - p) / n));
        score = (e.getValue() - expected.value()) / sigma;
        if (before == null) {
          // a re-fire older than the windows remembered: the sum as it stands
          cusum = b.lossCusum;
        } else {
          double rate = Double.isNaN(before.lossRate) ? expected.value() / 100 : before.lossRate;
          cusum = lossCusum(before.lossCusum, a, rate, policy);
        }
        double pooled = policy.anomalyScore() * cusum / policy.lossCusumThreshold();
        pooledAlarm |= pooled >= policy.anomalyScore();
        score = Math.max(score, pooled);
      } else {
        score = Headlines.direction(e.getKey()) * (e.getValue() - expected.value()) / sigma;
      }
      scores.put(e.getKey(), new MetricScore(e.getValue(), expected.value(), sigma, score));
      if (worst == null || score > scores.get(worst).score()) {
        worst = e.getKey();
      }
      suspect |= score >= policy.anomalyScore();
    }
    double max = worst == null ? 0 : scores.get(worst).score();
    int streak =
        !suspect ? 0 : before == null ? Math.max(1, b.suspectStreak) : before.suspectStreak + 1;
    boolean anomalous =
        suspect
            && (max >= policy.immediateScore() || streak >= policy.confirmWindows() || pooledAlarm);
    if (refired) {
      // A window re-fired by late data (or replayed out of order) was already learned from once.
      // When it is the newest, the next window goes on from what it came to this time.
      if (before != null && a.windowStartMs() == b.lastWindowStartMs) {
        b.suspectStreak = streak;
        if (!Double.isNaN(cusum)) {
          b.lossCusum = cusum;
        }
      }
      return new ScoredWindow(a, scores, anomalous, worst);
    }
    b.remember(a.windowStartMs(), before);
    b.suspectStreak = streak;
    if (!Double.isNaN(cusum)) {
      b.lossCusum = cusum;
    }
    b.lastWindowStartMs = a.windowStartMs();
    long week = Math.floorDiv(a.windowStartMs(), 7L * 24 * 3600 * 1000);
    for (Map.Entry<String, Double> e : values.entrySet()) {
      MetricBaseline baseline = b.metrics.get(e.getKey());
      baseline.observe(e.getValue(), hourOfWeek, week, policy);
      if (!suspect) {
        baseline.update(e.getValue(), hourOfWeek, a.count(), policy);
      }
    }
    if (!suspect && a.packetsSent() > 0) {
      // the long-run loss rate, packet-weighted, forgetting over about 500 windows
      b.lossLost = LOSS_MEMORY * b.lossLost + Math.max(0, a.packetsSent() - a.packetsReceived());
      b.lossSent = LOSS_MEMORY * b.lossSent + a.packetsSent();
    }
    return new ScoredWindow(a, scores, anomalous, worst);
  }

  /**
   * Where a series stood before one of its windows: the loss CUSUM, the long-run loss rate (NaN
   * before any loss was learned) and the streak of suspect windows. A window re-fired by late data
   * is scored from here again, so that its verdict does not take in the windows after it.
   */
  record Before(double lossCusum, double lossRate, int suspectStreak) {}

  /**
   * One step of the binomial CUSUM of lost packets: the log-likelihood ratio of this window's
   * losses under the series' long-run loss rate (packet-weighted over windows that were not
   * suspect) raised by {@code lossShift} against the expected rate, added to the running sum,
   * floored at 0 and capped at 1.5 × the threshold so that it falls back within a few windows after
   * the loss ends.
   */
  static double lossCusum(double cusum, SeriesAggregate a, double expectedRate, BaselinePolicy p) {
    long n = a.packetsSent();
    long lost = Math.max(0, n - a.packetsReceived());
    double p0 = Math.min(0.2, Math.max(0.0005, expectedRate));
    double p1 = Math.min(0.5, p0 + p.lossShift());
    double llr = lost * Math.log(p1 / p0) + (n - lost) * Math.log((1 - p1) / (1 - p0));
    return Math.min(1.5 * p.lossCusumThreshold(), Math.max(0, cusum + llr));
  }

  static int hourOfWeek(long epochMs) {
    ZonedDateTime t = Instant.ofEpochMilli(epochMs).atZone(ZoneOffset.UTC);
    return (t.getDayOfWeek().getValue() - 1) * 24 + t.getHour();
  }

  /** All baselines of one series. */
  public static final class Baselines {
    /**
     * How many of the latest windows keep their {@link Before}: a 1-minute window can come again
     * within the default allowed lateness (5 min); an older re-fire is scored from the state as it
     * stands.
     */
    static final int RECENT_WINDOWS = 8;

    final Map<String, MetricBaseline> metrics = new HashMap<>();
    final java.util.TreeMap<Long, Before> recent = new java.util.TreeMap<>();
    long lastWindowStartMs = Long.MIN_VALUE;
    double lossCusum;
    int suspectStreak;
    double lossLost;
    double lossSent;

    public MetricBaseline get(String headline) {
      return metrics.get(headline);
    }

    void remember(long windowStartMs, Before before) {
      recent.put(windowStartMs, before);
      while (recent.size() > RECENT_WINDOWS) {
        recent.pollFirstEntry();
      }
    }
  }

  static final class BaselinesSerializer extends CodecSerializer<Baselines> {
    private static final long serialVersionUID = 1L;

    /** 2 added the latest windows' {@link Before}; 1 still reads, without them. */
    private static final byte FORMAT_VERSION = 2;

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
      out.writeDouble(b.lossCusum);
      out.writeInt(b.suspectStreak);
      out.writeDouble(b.lossLost);
      out.writeDouble(b.lossSent);
      out.writeInt(b.recent.size());
      for (Map.Entry<Long, Before> e : b.recent.entrySet()) {
        out.writeLong(e.getKey());
        out.writeDouble(e.getValue().lossCusum());
        out.writeDouble(e.getValue().lossRate());
        out.writeInt(e.getValue().suspectStreak());
      }
      out.writeInt(b.metrics.size());
      for (Map.Entry<String, MetricBaseline> e : b.metrics.entrySet()) {
        out.writeUTF(e.getKey());
        e.getValue().write(out);
      }
    }

    @Override
    protected Baselines read(DataInputView in) throws IOException {
      byte version = in.readByte();
      if (version != 1 && version != FORMAT_VERSION) {
        throw new IOException("series baselines written in format " + version);
      }
      Baselines b = new Baselines();
      b.lastWindowStartMs = in.readLong();
      b.lossCusum = in.readDouble();
      b.suspectStreak = in.readInt();
      b.lossLost = in.readDouble();
      b.lossSent = in.readDouble();
      if (version >= 2) {
        int recent = in.readInt();
        for (int i = 0; i < recent; i++) {
          b.recent.put(in.readLong(), new Before(in.readDouble(), in.readDouble(), in.readInt()));
        }
      }
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
