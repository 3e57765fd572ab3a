package net.qoe.job.sink;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.Map;
import net.qoe.job.baseline.MetricScore;
import net.qoe.job.diagnosis.DiagnosedWindow;
import net.qoe.job.window.SeriesAggregate;
import org.apache.flink.connector.jdbc.JdbcStatementBuilder;

/**
 * Keeps {@code baselines_latest}: one statement per scored window upserts a row per headline. The
 * guard {@code window_start <=} means a replayed or re-fired older window never moves a baseline
 * back in time, and the same window written twice changes nothing but {@code updated_at}.
 */
public final class BaselineUpsert implements JdbcStatementBuilder<DiagnosedWindow> {

  private static final long serialVersionUID = 1L;

  public static final String SQL =
      """
      INSERT INTO baselines_latest (probe_id, target, test, headline, window_start, value,
                                    expected, sigma, band_low, band_high, score, anomalous,
                                    updated_at)
      SELECT ?, ?, ?, b.headline, ?, b.value, b.expected, b.sigma, b.band_low, b.band_high,
             b.score, ?, now()
      FROM jsonb_to_recordset(?::jsonb) AS b(headline text, value float8, expected float8,
           sigma float8, band_low float8, band_high float8, score float8)
      ON CONFLICT (probe_id, target, test, headline) DO UPDATE SET
        window_start = EXCLUDED.window_start, value = EXCLUDED.value,
        expected = EXCLUDED.expected, sigma = EXCLUDED.sigma, band_low = EXCLUDED.band_low,
        band_high = EXCLUDED.band_high, score = EXCLUDED.score, anomalous = EXCLUDED.anomalous,
        updated_at = now()
      WHERE baselines_latest.window_start <= EXCLUDED.window_start
      """;

  private final double bandWidth;

  /**
   * @param bandWidth the band around the expected value, in spreads (the anomaly score)
   */
  public BaselineUpsert(double bandWidth) {
    this.bandWidth = bandWidth;
  }

  @Override
  public void accept(PreparedStatement st, DiagnosedWindow w) throws SQLException {
    SeriesAggregate a = w.aggregate();
    st.setString(1, a.probeId());
    st.setString(2, a.target());
    st.setString(3, a.test());
    st.setTimestamp(4, new Timestamp(a.windowStartMs()));
    st.setBoolean(5, w.scored().anomalous());
    st.setString(6, rows(w.scored().scores()));
  }

  String rows(Map<String, MetricScore> scores) {
    ArrayNode rows = JsonNodeFactory.instance.arrayNode();
    scores.forEach(
        (headline, s) -> {
          if (AggregateUpsert.finite(s.value(), s.expected(), s.sigma(), s.score())
              && s.sigma() > 0) {
            rows.addObject()
                .put("headline", headline)
                .put("value", s.value())
                .put("expected", s.expected())
                .put("sigma", s.sigma())
                .put("band_low", s.bandLow(bandWidth))
                .put("band_high", s.bandHigh(bandWidth))
                .put("score", s.score());
          }
        });
    return rows.toString();
  }
}
