package net.qoe.job.sink;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.util.Base64;
import java.util.Map;
import net.qoe.job.baseline.Headlines;
import net.qoe.job.baseline.MetricScore;
import net.qoe.job.baseline.ScoredWindow;
import net.qoe.job.diagnosis.DiagnosedWindow;
import net.qoe.job.window.MetricSummary;
import net.qoe.job.window.SeriesAggregate;
import net.qoe.job.window.Sketches;
import net.qoe.kafka.serde.MessageSerde;
import org.apache.flink.connector.jdbc.JdbcStatementBuilder;

/**
 * Writes one window aggregate as one statement: the series row into {@code agg_1m} and its metric
 * rows into {@code agg_1m_metric}, through a data-modifying CTE so both land in the same statement
 * and batch. Upserts make replays after a restart harmless; the {@code count <=} guards mean a
 * partial aggregate never replaces a more complete one, and its metric rows are written only when
 * its series row was, so a metric the complete aggregate lacks never lands beside it.
 *
 * <p>This builder writes the rollup tables (plain aggregates); {@link Diagnosed} writes the base
 * window with its baseline scores, diagnosis and scope, under the same guards.
 */
public final class AggregateUpsert implements JdbcStatementBuilder<SeriesAggregate> {

  private static final long serialVersionUID = 1L;

  /** The statement for one resolution's tables ({@code agg_5m}, {@code agg_1h}, …). */
  public static String sql(String seriesTable, String metricTable) {
    return sql(seriesTable, metricTable, false);
  }

  /**
   * The statement; with {@code diagnosed} it also writes the V5 columns (scores, baseline and band
   * per metric; label, reason, scope per window).
   */
  static String sql(String seriesTable, String metricTable, boolean diagnosed) {
    String seriesColumns = diagnosed ? DIAGNOSED_SERIES_COLUMNS : "";
    String seriesValues = diagnosed ? ", ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb" : "";
    String seriesUpdates = diagnosed ? DIAGNOSED_SERIES_UPDATES : "";
    String metricColumns = diagnosed ? ", baseline_stat, baseline, band_low, band_high, score" : "";
    String metricSelect =
        diagnosed ? ", m.baseline_stat, m.baseline, m.band_low, m.band_high, m.score" : "";
    String metricRecord =
        diagnosed
            ? ", baseline_stat text, baseline float8, band_low float8, band_high float8, score float8"
            : "";
    String metricUpdates =
        diagnosed
            ? ", baseline_stat = EXCLUDED.baseline_stat, baseline = EXCLUDED.baseline,"
                + " band_low = EXCLUDED.band_low, band_high = EXCLUDED.band_high,"
                + " score = EXCLUDED.score"
            : "";
    return """
        WITH series AS (
          INSERT INTO %1$s (probe_id, target, test, window_start, window_end, tier, count,
                            ok_count, error_count, errors_by_stage, packets_sent,
                            packets_received, loss_pct, jitter_ms, jitter_samples%3$s, updated_at)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?%4$s, now())
          ON CONFLICT (probe_id, target, test, window_start) DO UPDATE SET
            window_end = EXCLUDED.window_end, tier = EXCLUDED.tier, count = EXCLUDED.count,
            ok_count = EXCLUDED.ok_count, error_count = EXCLUDED.error_count,
            errors_by_stage = EXCLUDED.errors_by_stage, packets_sent = EXCLUDED.packets_sent,
            packets_received = EXCLUDED.packets_received, loss_pct = EXCLUDED.loss_pct,
            jitter_ms = EXCLUDED.jitter_ms, jitter_samples = EXCLUDED.jitter_samples%5$s,
            updated_at = now()
          WHERE %1$s.count <= EXCLUDED.count
          RETURNING 1
        )
        INSERT INTO %2$s (probe_id, target, test, window_start, metric, count, min, max, mean,
                          p5, p50, p90, p95, p99, sketch%6$s, updated_at)
        SELECT ?, ?, ?, ?, m.metric, m.count, m.min, m.max, m.mean, m.p5, m.p50, m.p90, m.p95,
               m.p99, decode(m.sketch, 'base64')%7$s, now()
        FROM jsonb_to_recordset(?::jsonb) AS m(metric text, count bigint, min float8,
             max float8, mean float8, p5 float8, p50 float8, p90 float8, p95 float8, p99 float8,
             sketch text%8$s)
        WHERE EXISTS (SELECT 1 FROM series)
        ON CONFLICT (probe_id, target, test, metric, window_start) DO UPDATE SET
          count = EXCLUDED.count, min = EXCLUDED.min, max = EXCLUDED.max, mean = EXCLUDED.mean,
          p5 = EXCLUDED.p5, p50 = EXCLUDED.p50, p90 = EXCLUDED.p90, p95 = EXCLUDED.p95, p99 = EXCLUDED.p99,
          sketch = EXCLUDED.sketch%9$s, updated_at = now()
        WHERE %2$s.count <= EXCLUDED.count
        """
        .formatted(
            seriesTable,
            metricTable,
            seriesColumns,
            seriesValues,
            seriesUpdates,
            metricColumns,
            metricSelect,
            metricRecord,
            metricUpdates);
  }

  private static final String DIAGNOSED_SERIES_COLUMNS =
      ", anomaly_score, worst_headline, anomalous, label, reason, scope, degraded_probes,"
          + " target_probes, degraded_targets, probe_targets, baseline_scores";
  private static final String DIAGNOSED_SERIES_UPDATES =
      ", anomaly_score = EXCLUDED.anomaly_score, worst_headline = EXCLUDED.worst_headline,"
          + " anomalous = EXCLUDED.anomalous, label = EXCLUDED.label, reason = EXCLUDED.reason,"
          + " scope = EXCLUDED.scope, degraded_probes = EXCLUDED.degraded_probes,"
          + " target_probes = EXCLUDED.target_probes,"
          + " degraded_targets = EXCLUDED.degraded_targets,"
          + " probe_targets = EXCLUDED.probe_targets, baseline_scores = EXCLUDED.baseline_scores";

  /** agg_1m with scores, diagnosis and scope. */
  public static final String SQL_1M = sql("agg_1m", "agg_1m_metric", true);

  public static final String SQL_5M = sql("agg_5m", "agg_5m_metric");
  public static final String SQL_1H = sql("agg_1h", "agg_1h_metric");

  @Override
  public void accept(PreparedStatement st, SeriesAggregate a) throws SQLException {
    int i = bindSeries(st, a, 1);
    bindMetrics(st, a, i, Map.of(), 0);
  }

  private static int bindSeries(PreparedStatement st, SeriesAggregate a, int i)
      throws SQLException {
    st.setString(i++, a.probeId());
    st.setString(i++, a.target());
    st.setString(i++, a.test());
    st.setTimestamp(i++, new Timestamp(a.windowStartMs()));
    st.setTimestamp(i++, new Timestamp(a.windowEndMs()));
    st.setShort(i++, (short) Math.max(1, Math.min(3, a.maxTier())));
    st.setLong(i++, a.count());
    st.setLong(i++, a.okCount());
    st.setLong(i++, a.errorCount());
    st.setString(i++, errorsJson(a.errorsByStage()));
    st.setLong(i++, a.packetsSent());
    st.setLong(i++, a.packetsReceived());
    setNullableDouble(st, i++, a.lossPct());
    setNullableDouble(st, i++, a.jitterMs());
    st.setLong(i++, a.jitterSamples());
    return i;
  }

  private static void bindMetrics(
      PreparedStatement st,
      SeriesAggregate a,
      int i,
      Map<String, MetricScore> scores,
      double bandWidth)
      throws SQLException {
    st.setString(i++, a.probeId());
    st.setString(i++, a.target());
    st.setString(i++, a.test());
    st.setTimestamp(i++, new Timestamp(a.windowStartMs()));
    st.setString(i, metricsJson(a, scores, bandWidth));
  }

  /**
   * Binds a {@link DiagnosedWindow} to {@link #SQL_1M}: the aggregate, then its scores, diagnosis
   * and scope.
   *
   * @param bandWidth the band drawn around a baseline, in spreads (the anomaly score)
   */
  public static final class Diagnosed implements JdbcStatementBuilder<DiagnosedWindow> {
    private static final long serialVersionUID = 1L;
    private final double bandWidth;

    public Diagnosed(double bandWidth) {
      this.bandWidth = bandWidth;
    }

    @Override
    public void accept(PreparedStatement st, DiagnosedWindow w) throws SQLException {
      SeriesAggregate a = w.aggregate();
      ScoredWindow s = w.scored();
      boolean scored = !s.scores().isEmpty();
      int i = bindSeries(st, a, 1);
      setNullableDouble(st, i++, scored && s.worst() != null ? s.maxScore() : null);
      st.setString(i++, scored ? s.worst() : null);
      if (scored) {
        st.setBoolean(i++, s.anomalous());
      } else {
        st.setNull(i++, Types.BOOLEAN);
      }
      st.setString(i++, w.label());
      st.setString(i++, w.reason());
      st.setString(i++, w.scope());
      boolean correlated = w.targetProbes() > 0 || w.probeTargets() > 0;
      setNullableInt(st, i++, correlated ? w.degradedProbes() : null);
      setNullableInt(st, i++, correlated ? w.targetProbes() : null);
      setNullableInt(st, i++, correlated ? w.degradedTargets() : null);
      setNullableInt(st, i++, correlated ? w.probeTargets() : null);
      st.setString(i++, scored ? scoresJson(s.scores()) : null);
      bindMetrics(st, a, i, s.scores(), bandWidth);
    }
  }

  private static void setNullableInt(PreparedStatement st, int index, Integer value)
      throws SQLException {
    if (value == null) {
      st.setNull(index, Types.INTEGER);
    } else {
      st.setInt(index, value);
    }
  }

  static String scoresJson(Map<String, MetricScore> scores) {
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    scores.forEach(
        (headline, s) -> {
          if (finite(s.value(), s.expected(), s.sigma(), s.score())) {
            node.putObject(headline)
                .put("value", s.value())
                .put("expected", s.expected())
                .put("sigma", s.sigma())
                .put("score", s.score());
          }
        });
    return node.toString();
  }

  static boolean finite(double... values) {
    for (double v : values) {
      if (!Double.isFinite(v)) {
        return false;
      }
    }
    return true;
  }

  private static void setNullableDouble(PreparedStatement st, int index, Double value)
      throws SQLException {
    if (value == null || value.isNaN() || value.isInfinite()) {
      st.setNull(index, Types.DOUBLE);
    } else {
      st.setDouble(index, value);
    }
  }

  static String errorsJson(Map<String, Long> errorsByStage) {
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    errorsByStage.forEach(node::put);
    return node.toString();
  }

  /**
   * The 5th percentile from the window's sketch, clamped into the exact [min, max]: for throughput
   * and bandwidth the low tail is the one that matters. Computed here from the sketch rather than
   * carried in every summary, since only the rows need it.
   */
  public static double p5(MetricSummary m) {
    try {
      double q = Sketches.decode(m.sketch()).getValueAtQuantile(0.05);
      return Math.max(m.min(), Math.min(m.max(), q));
    } catch (java.io.IOException | RuntimeException e) {
      throw new IllegalStateException("corrupt sketch in an aggregate", e);
    }
  }

  static String metricsJson(Map<String, MetricSummary> metrics) {
    return metricsJson(null, metrics, Map.of(), 0);
  }

  static String metricsJson(SeriesAggregate a, Map<String, MetricScore> scores, double bandWidth) {
    return metricsJson(a, a.metrics(), scores, bandWidth);
  }

  private static String metricsJson(
      SeriesAggregate a,
      Map<String, MetricSummary> metrics,
      Map<String, MetricScore> scores,
      double bandWidth) {
    // which headline (if any) is a statistic of which metric row
    Map<String, String> headlineOfMetric = new java.util.HashMap<>();
    if (a != null) {
      for (String headline : scores.keySet()) {
        String metric = Headlines.metricOf(headline, a);
        if (metric != null) {
          headlineOfMetric.put(metric, headline);
        }
      }
    }
    ArrayNode rows = JsonNodeFactory.instance.arrayNode();
    Base64.Encoder base64 = Base64.getEncoder();
    metrics.forEach(
        (name, m) -> {
          if (m.count() == 0) {
            return;
          }
          ObjectNode row =
              rows.addObject()
                  .put("metric", name)
                  .put("count", m.count())
                  .put("min", m.min())
                  .put("max", m.max())
                  .put("mean", m.mean())
                  .put("p5", p5(m))
                  .put("p50", m.p50())
                  .put("p90", m.p90())
                  .put("p95", m.p95())
                  .put("p99", m.p99())
                  .put("sketch", base64.encodeToString(m.sketch()));
          String headline = headlineOfMetric.get(name);
          MetricScore s = headline == null ? null : scores.get(headline);
          if (s != null && finite(s.expected(), s.sigma(), s.score())) {
            row.put("baseline_stat", Headlines.statOf(headline))
                .put("baseline", s.expected())
                .put("band_low", s.bandLow(bandWidth))
                .put("band_high", s.bandHigh(bandWidth))
                .put("score", s.score());
          }
        });
    try {
      return MessageSerde.MAPPER.writeValueAsString(rows);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
