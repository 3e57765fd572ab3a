package net.qoe.job.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import net.qoe.job.window.SeriesAccumulator;
import net.qoe.job.window.SeriesAggregate;
import net.qoe.job.window.SeriesAggregator;
import net.qoe.kafka.message.Measurement;
import net.qoe.kafka.message.MeasurementError;
import net.qoe.sql.EmbeddedDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The upsert statement against a real, migrated PostgreSQL. */
class AggregateUpsertTest {

  private static EmbeddedDatabase db;
  private static final long START = 1_767_225_600_000L; // 2026-01-01T00:00:00Z

  @BeforeAll
  static void startDatabase() {
    db = EmbeddedDatabase.start();
  }

  @AfterAll
  static void stopDatabase() {
    db.close();
  }

  @BeforeEach
  void emptyTables() throws SQLException {
    try (Connection c = db.dataSource().getConnection();
        Statement st = c.createStatement()) {
      st.execute("TRUNCATE agg_1m, agg_1m_metric, agg_5m, agg_5m_metric, agg_1h, agg_1h_metric");
    }
  }

  @Test
  void writesTheSeriesRowAndOneRowPerMetric() throws SQLException {
    upsert(aggregate(10, 2));

    try (Connection c = db.dataSource().getConnection();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT count, ok_count, error_count, errors_by_stage->>'timeout', packets_sent,"
                    + " packets_received, loss_pct, jitter_ms, tier FROM agg_1m")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getLong(1)).isEqualTo(12);
      assertThat(rs.getLong(2)).isEqualTo(10);
      assertThat(rs.getLong(3)).isEqualTo(2);
      assertThat(rs.getString(4)).isEqualTo("2");
      assertThat(rs.getLong(5)).isEqualTo(120);
      assertThat(rs.getLong(6)).isEqualTo(110);
      assertThat(rs.getDouble(7)).isCloseTo(100.0 * 10 / 120, within(1e-9));
      assertThat(rs.getDouble(8)).isPositive();
      assertThat(rs.getInt(9)).isEqualTo(1);
      assertThat(rs.next()).isFalse();
    }
    try (Connection c = db.dataSource().getConnection();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT metric, count, p50, p99, length(sketch) FROM agg_1m_metric ORDER BY"
                    + " metric")) {
      assertThat(rs.next()).isTrue();
      // |IPDV| between consecutive packets gets its own percentiles
      assertThat(rs.getString(1)).isEqualTo("ipdv_ms");
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).isEqualTo("rtt_ms");
      assertThat(rs.getLong(2)).isEqualTo(110);
      assertThat(rs.getInt(5)).isPositive();
      // σ of the RTTs and |D| between consecutive runs' mean RTTs
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).isEqualTo("rtt_stddev_ms");
      assertThat(rs.getLong(2)).isEqualTo(110);
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).isEqualTo("run_ipdv_ms");
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).isEqualTo("total_ms");
      // ok and failed runs both contribute their total_ms timing
      assertThat(rs.getLong(2)).isEqualTo(12);
      assertThat(rs.getDouble(3)).isBetween(10.0, 30.0);
      assertThat(rs.next()).isFalse();
    }
  }

  @Test
  void replayingTheSameAggregateChangesNothing() throws SQLException {
    SeriesAggregate a = aggregate(10, 2);
    upsert(a);
    upsert(a);
    assertThat(count("SELECT count(*) FROM agg_1m")).isEqualTo(1);
    assertThat(count("SELECT count(*) FROM agg_1m_metric")).isEqualTo(5);
    assertThat(count("SELECT count FROM agg_1m")).isEqualTo(12);
  }

  @Test
  void aLaterMoreCompleteAggregateReplacesTheRow() throws SQLException {
    upsert(aggregate(5, 0));
    upsert(aggregate(10, 2));
    assertThat(count("SELECT count FROM agg_1m")).isEqualTo(12);
    assertThat(count("SELECT count FROM agg_1m_metric WHERE metric = 'total_ms'")).isEqualTo(12);
  }

  @Test
  void aPartialAggregateNeverOverwritesAMoreCompleteOne() throws SQLException {
    upsert(aggregate(10, 2));
    upsert(aggregate(3, 0));
    assertThat(count("SELECT count FROM agg_1m")).isEqualTo(12);
    assertThat(count("SELECT count FROM agg_1m_metric WHERE metric = 'total_ms'")).isEqualTo(12);
  }

  @Test
  void writesTheLowTailP5BesideTheUpperPercentiles() throws SQLException {
    upsert(aggregate(10, 2));
    try (Connection c = db.dataSource().getConnection();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery("SELECT p5, p50, min FROM agg_1m_metric WHERE metric = 'total_ms'")) {
      assertThat(rs.next()).isTrue();
      // total_ms is 10, 11, ..., 21: the 5th percentile is the lowest value, within 1 %
      assertThat(rs.getDouble(1)).isCloseTo(10.0, within(0.1));
      assertThat(rs.getDouble(1)).isGreaterThanOrEqualTo(rs.getDouble(3));
      assertThat(rs.getDouble(1)).isLessThan(rs.getDouble(2));
    }
  }

  @Test
  void theRollupTablesTakeTheSameUpsertAndGuard() throws SQLException {
    for (String sql : new String[] {AggregateUpsert.SQL_5M, AggregateUpsert.SQL_1H}) {
      upsert(sql, aggregate(10, 2));
      upsert(sql, aggregate(3, 0));
    }
    assertThat(count("SELECT count FROM agg_5m")).isEqualTo(12);
    assertThat(count("SELECT count FROM agg_1h")).isEqualTo(12);
    assertThat(count("SELECT count FROM agg_5m_metric WHERE metric = 'total_ms'")).isEqualTo(12);
    assertThat(count("SELECT count(*) FROM agg_1h_metric WHERE p5 IS NOT NULL")).isEqualTo(5);
    assertThat(count("SELECT count(*) FROM agg_1m")).isZero();
  }

  private static SeriesAggregate aggregate(int ok, int timeouts) {
    SeriesAggregator aggregator = new SeriesAggregator();
    SeriesAccumulator acc = aggregator.createAccumulator();
    for (int i = 0; i < ok + timeouts; i++) {
      boolean good = i < ok;
      java.util.List<Double> rtts = new java.util.ArrayList<>();
      for (int p = 0; p < 10; p++) {
        rtts.add(good || p % 2 == 0 ? 1.0 + (i * 10 + p) % 7 : null);
      }
      int received = (int) rtts.stream().filter(java.util.Objects::nonNull).count();
      acc =
          aggregator.add(
              new Measurement(
                  1,
                  "e" + i,
                  "probe-1",
                  "web-1",
                  "http",
                  1,
                  START + i * 1000L,
                  good,
                  good ? null : new MeasurementError("timeout", "no answer in 5000 ms"),
                  rtts,
                  10,
                  received,
                  Map.of("total_ms", 10.0 + i)),
              acc);
    }
    SeriesAggregate r = aggregator.getResult(acc);
    return new SeriesAggregate(
        r.probeId(),
        r.target(),
        r.test(),
        START,
        START + 60_000,
        r.count(),
        r.okCount(),
        r.errorsByStage(),
        r.packetsSent(),
        r.packetsReceived(),
        r.lossPct(),
        r.jitterMs(),
        r.jitterSamples(),
        r.maxTier(),
        r.metrics());
  }

  private static void upsert(SeriesAggregate a) throws SQLException {
    upsert(AggregateUpsert.SQL_1M, a);
  }

  private static void upsert(String sql, SeriesAggregate a) throws SQLException {
    try (Connection c = db.dataSource().getConnection();
        PreparedStatement st = c.prepareStatement(sql)) {
      new AggregateUpsert().accept(st, a);
      st.executeUpdate();
    }
  }

  private static long count(String sql) throws SQLException {
    try (Connection c = db.dataSource().getConnection();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
