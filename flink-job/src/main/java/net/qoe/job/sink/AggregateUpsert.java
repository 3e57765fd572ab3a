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
import net.qoe.job.window.MetricSummary;
import net.qoe.job.window.SeriesAggregate;
import net.qoe.job.window.Sketches;
import net.qoe.kafka.serde.MessageSerde;
import org.apache.flink.connector.jdbc.JdbcStatementBuilder;

/**
 * Writes one window aggregate as one statement: the series row into {@code agg_1m} and its metric
 * rows into {@code agg_1m_metric}, through a data-modifying CTE so both land in the same statement
 * and batch. Upserts make replays after a restart harmless; the {@code count <=} guards mean a
 * partial aggregate never replaces a more complete one.
 */
public final class AggregateUpsert implements JdbcStatementBuilder<SeriesAggregate> {

  private static final long serialVersionUID = 1L;

  /** The statement for one resolution's tables ({@code agg_1m}, {@code agg_5m}, …). */
  public static String sql(String seriesTable, String metricTable) {
    return """
        WITH series AS (
          INSERT INTO %1$s (probe_id, target, test, window_start, window_end, tier, count,
                            ok_count, error_count, errors_by_stage, packets_sent,
                            packets_received, loss_pct, jitter_ms, jitter_samples, updated_at)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, now())
          ON CONFLICT (probe_id, target, test, window_start) DO UPDATE SET
            window_end = EXCLUDED.window_end, tier = EXCLUDED.tier, count = EXCLUDED.count,
            ok_count = EXCLUDED.ok_count, error_count = EXCLUDED.error_count,
            errors_by_stage = EXCLUDED.errors_by_stage, packets_sent = EXCLUDED.packets_sent,
            packets_received = EXCLUDED.packets_received, loss_pct = EXCLUDED.loss_pct,
            jitter_ms = EXCLUDED.jitter_ms, jitter_samples = EXCLUDED.jitter_samples,
            updated_at = now()
          WHERE %1$s.count <= EXCLUDED.count
          RETURNING 1
        )
        INSERT INTO %2$s (probe_id, target, test, window_start, metric, count, min, max, mean,
                          p5, p50, p90, p95, p99, sketch, updated_at)
        SELECT ?, ?, ?, ?, m.metric, m.count, m.min, m.max, m.mean, m.p5, m.p50, m.p90, m.p95,
               m.p99, decode(m.sketch, 'base64'), now()
        FROM jsonb_to_recordset(?::jsonb) AS m(metric text, count bigint, min float8,
             max float8, mean float8, p5 float8, p50 float8, p90 float8, p95 float8, p99 float8,
             sketch text)
        ON CONFLICT (probe_id, target, test, metric, window_start) DO UPDATE SET
          count = EXCLUDED.count, min = EXCLUDED.min, max = EXCLUDED.max, mean = EXCLUDED.mean,
          p5 = EXCLUDED.p5, p50 = EXCLUDED.p50, p90 = EXCLUDED.p90, p95 = EXCLUDED.p95, p99 = EXCLUDED.p99,
          sketch = EXCLUDED.sketch, updated_at = now()
        WHERE %2$s.count <= EXCLUDED.count
        """
        .formatted(seriesTable, metricTable);
  }

  public static final String SQL_1M = sql("agg_1m", "agg_1m_metric");
  public static final String SQL_5M = sql("agg_5m", "agg_5m_metric");
  public static final String SQL_1H = sql("agg_1h", "agg_1h_metric");

  @Override
  public void accept(PreparedStatement st, SeriesAggregate a) throws SQLException {
    Timestamp start = new Timestamp(a.windowStartMs());
    int i = 1;
    st.setString(i++, a.probeId());
    st.setString(i++, a.target());
    st.setString(i++, a.test());
    st.setTimestamp(i++, start);
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
    st.setString(i++, a.probeId());
    st.setString(i++, a.target());
    st.setString(i++, a.test());
    st.setTimestamp(i++, start);
    st.setString(i, metricsJson(a.metrics()));
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
    ArrayNode rows = JsonNodeFactory.instance.arrayNode();
    Base64.Encoder base64 = Base64.getEncoder();
    metrics.forEach(
        (name, m) -> {
          if (m.count() == 0) {
            return;
          }
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
        });
    try {
      return MessageSerde.MAPPER.writeValueAsString(rows);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
