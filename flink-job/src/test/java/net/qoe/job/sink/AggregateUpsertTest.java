package net.qoe.job.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import net.qoe.job.baseline.Headlines;
import net.qoe.job.baseline.MetricScore;
import net.qoe.job.baseline.ScoredWindow;
import net.qoe.job.config.JobConfig;
import net.qoe.job.diagnosis.DiagnosedWindow;
import net.qoe.job.diagnosis.Diagnosis;
import net.qoe.job.ingest.MeasurementValidator;
import net.qoe.job.window.SeriesAccumulator;
import net.qoe.job.window.SeriesAggregate;
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
      st.execute(
          "TRUNCATE agg_1m, agg_1m_metric, agg_5m, agg_5m_metric, agg_1h, agg_1h_metric,"
              + " baselines_latest");
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
  void aRejectedPartialAggregateLeavesNoMetricRowOfItsOwn() throws SQLException {
    upsert(aggregate(10, 2));
    // a partial aggregate of the same window with a timing the complete one lacks
    SeriesAggregate p = aggregate(3, 0);
    var metrics = new java.util.TreeMap<>(p.metrics());
    metrics.put("connect_ms", p.metrics().get("total_ms"));
    upsert(
        new SeriesAggregate(
            p.probeId(),
            p.target(),
            p.test(),
            p.windowStartMs(),
            p.windowEndMs(),
            p.count(),
            p.okCount(),
            p.errorsByStage(),
            p.packetsSent(),
            p.packetsReceived(),
            p.lossPct(),
            p.jitterMs(),
            p.jitterSamples(),
            p.maxTier(),
            metrics));
    assertThat(count("SELECT count FROM agg_1m")).isEqualTo(12);
    assertThat(count("SELECT count(*) FROM agg_1m_metric WHERE metric = 'connect_ms'")).isZero();
    assertThat(count("SELECT count(*) FROM agg_1m_metric")).isEqualTo(5);
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

  @Test
  void writesScoresBaselineBandDiagnosisAndScope() throws SQLException {
    upsert(diagnosed(aggregate(10, 2), 4.5));
    try (Connection c = db.dataSource().getConnection();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT anomaly_score, worst_headline, anomalous, label, reason, scope,"
                    + " degraded_probes, target_probes, baseline_scores->'total_ms.p95'->>'expected',"
                    + " baseline_scores->'loss_pct'->>'score' FROM agg_1m")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getDouble(1)).isEqualTo(4.5);
      assertThat(rs.getString(2)).isEqualTo("total_ms.p95");
      assertThat(rs.getBoolean(3)).isTrue();
      assertThat(rs.getString(4)).isEqualTo("latency");
      assertThat(rs.getString(5)).contains("3 of 4 probes");
      assertThat(rs.getString(6)).isEqualTo("target");
      assertThat(rs.getInt(7)).isEqualTo(3);
      assertThat(rs.getInt(8)).isEqualTo(4);
      assertThat(rs.getDouble(9)).isEqualTo(12.0);
      assertThat(rs.getDouble(10)).isEqualTo(0.5);
    }
    try (Connection c = db.dataSource().getConnection();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT metric, baseline_stat, baseline, band_low, band_high, score"
                    + " FROM agg_1m_metric ORDER BY metric")) {
      // ipdv_ms, rtt_ms, rtt_stddev_ms and run_ipdv_ms are not headlines here: no baseline columns
      for (String metric : List.of("ipdv_ms", "rtt_ms", "rtt_stddev_ms", "run_ipdv_ms")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).isEqualTo(metric);
        assertThat(rs.getObject(3)).isNull();
      }
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).isEqualTo("total_ms");
      assertThat(rs.getString(2)).isEqualTo("p95");
      assertThat(rs.getDouble(3)).isEqualTo(12.0);
      assertThat(rs.getDouble(4)).isCloseTo(12.0 - 4 * 2.0, within(1e-9));
      assertThat(rs.getDouble(5)).isCloseTo(12.0 + 4 * 2.0, within(1e-9));
      assertThat(rs.getDouble(6)).isEqualTo(4.5);
    }
  }

  @Test
  void aPartialScoredAggregateNeverOverwritesTheDiagnosisOfAMoreCompleteOne() throws SQLException {
    upsert(diagnosed(aggregate(10, 2), 4.5));
    upsert(diagnosed(aggregate(3, 0), 0.2));
    assertThat(count("SELECT count FROM agg_1m")).isEqualTo(12);
    assertThat(count("SELECT (anomaly_score * 10)::bigint FROM agg_1m")).isEqualTo(45);
    assertThat(count("SELECT (score * 10)::bigint FROM agg_1m_metric WHERE metric = 'total_ms'"))
        .isEqualTo(45);
    // replaying the complete one changes nothing
    upsert(diagnosed(aggregate(10, 2), 4.5));
    assertThat(count("SELECT count(*) FROM agg_1m")).isEqualTo(1);
    assertThat(count("SELECT count(*) FROM agg_1m_metric")).isEqualTo(5);
  }

  @Test
  void aWarmingUpWindowHasNoScoresAndSaysSo() throws SQLException {
    upsert(aggregate(10, 2));
    assertThat(
            count(
                "SELECT count(*) FROM agg_1m WHERE anomaly_score IS NULL AND label ="
                    + " 'normal' AND scope IS NULL AND baseline_scores IS NULL"))
        .isEqualTo(1);
    assertThat(count("SELECT count(*) FROM agg_1m_metric WHERE baseline IS NULL")).isEqualTo(5);
  }

  @Test
  void baselinesLatestKeepsTheNewestWindowPerHeadlineAndIsIdempotent() throws SQLException {
    SeriesAggregate a = aggregate(10, 2);
    upsertBaseline(diagnosed(a, 4.5));
    upsertBaseline(diagnosed(a, 4.5));
    assertThat(count("SELECT count(*) FROM baselines_latest")).isEqualTo(2);
    SeriesAggregate next = a.withWindow(START + 60_000, START + 120_000);
    upsertBaseline(diagnosed(next, 1.0));
    // an older window replayed afterwards does not move the baseline back
    upsertBaseline(diagnosed(a, 4.5));
    try (Connection c = db.dataSource().getConnection();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT extract(epoch FROM window_start) * 1000, score, expected, band_low,"
                    + " band_high, anomalous FROM baselines_latest WHERE headline ="
                    + " 'total_ms.p95'")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getLong(1)).isEqualTo(START + 60_000);
      assertThat(rs.getDouble(2)).isEqualTo(1.0);
      assertThat(rs.getDouble(3)).isEqualTo(12.0);
      assertThat(rs.getDouble(4)).isEqualTo(4.0);
      assertThat(rs.getDouble(5)).isEqualTo(20.0);
      assertThat(rs.getBoolean(6)).isFalse();
      assertThat(rs.next()).isFalse();
    }
  }

  @Test
  void theProductionSinksDrawTheBandAtTheConfiguredWidth() throws SQLException {
    JobConfig config = JobConfig.fromArgs(new String[] {"--baseline-band", "2.5"}, Map.of());
    DiagnosedWindow w = diagnosed(aggregate(10, 2), 1.0);
    try (Connection c = db.dataSource().getConnection();
        PreparedStatement aggregates = c.prepareStatement(AggregateUpsert.SQL_1M);
        PreparedStatement baselines = c.prepareStatement(BaselineUpsert.SQL)) {
      Sinks.aggregateStatements(config).accept(aggregates, w);
      aggregates.executeUpdate();
      Sinks.baselineStatements(config).accept(baselines, w);
      baselines.executeUpdate();
    }
    // expected 12 ms, spread 2 ms: a band of 2.5 spreads is 7..17 (the default 4 would be 4..20)
    try (Connection c = db.dataSource().getConnection();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT m.band_low, m.band_high, b.band_low, b.band_high FROM agg_1m_metric m,"
                    + " baselines_latest b WHERE m.metric = 'total_ms' AND b.headline ="
                    + " 'total_ms.p95'")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getDouble(1)).isCloseTo(7.0, within(1e-9));
      assertThat(rs.getDouble(2)).isCloseTo(17.0, within(1e-9));
      assertThat(rs.getDouble(3)).isCloseTo(7.0, within(1e-9));
      assertThat(rs.getDouble(4)).isCloseTo(17.0, within(1e-9));
      assertThat(rs.next()).isFalse();
    }
  }

  /** A scored, diagnosed, scoped window: total p95 at {@code score} spreads of 2 ms over 12 ms. */
  private static DiagnosedWindow diagnosed(SeriesAggregate a, double score) {
    boolean anomalous = score >= 4;
    java.util.Map<String, MetricScore> scores =
        Map.of(
            Headlines.TOTAL,
            new MetricScore(12 + 2 * score, 12, 2, score),
            Headlines.LOSS,
            new MetricScore(8.3, 8.0, 0.6, 0.5));
    ScoredWindow s = new ScoredWindow(a, scores, anomalous, Headlines.TOTAL);
    DiagnosedWindow w =
        DiagnosedWindow.of(
            s,
            anomalous
                ? new Diagnosis(Diagnosis.LATENCY, "total p95 21 ms vs 12 ms usual (4.5 σ)")
                : Diagnosis.normal());
    w = w.withTargetSide(anomalous ? 3 : 0, 4);
    return w.withProbeSide(anomalous ? DiagnosedWindow.SCOPE_TARGET : null, anomalous ? 1 : 0, 2)
        .withReason(w.reason() + (anomalous ? "; target side: 3 of 4 probes degraded" : ""));
  }

  /**
   * Ids, metric names and error stages at the validator's limits, in 4-byte UTF-8, with quotes and
   * backslashes: everything ingest lets through can be written; a NUL (which PostgreSQL refuses in
   * text and jsonb) or an unpaired surrogate never gets that far.
   */
  @Test
  void everySeriesThatPassesIngestCanBeWrittenAndNoOtherGetsThere() throws SQLException {
    String clef = "\uD834\uDD1E"; // U+1D11E, 4 bytes in UTF-8
    String longProbe = clef.repeat(MeasurementValidator.MAX_ID_LENGTH / 2);
    String longTarget = "t'\\\"" + clef.repeat(MeasurementValidator.MAX_TARGET_LENGTH / 2 - 2);
    String longTest = clef.repeat(MeasurementValidator.MAX_ID_LENGTH / 2);
    String longMetric = "m" + "\u00e9".repeat(MeasurementValidator.MAX_NAME_LENGTH - 1);
    String longStage = clef.repeat(MeasurementValidator.MAX_NAME_LENGTH / 2);
    assertThat(longTarget).hasSize(MeasurementValidator.MAX_TARGET_LENGTH);

    Measurement valid =
        measurement(longProbe, longTarget, longTest, longMetric, longStage, "e-valid");
    assertThat(MeasurementValidator.validate(valid, START + 2000)).isEmpty();
    SeriesAccumulator acc = new SeriesAccumulator();
    acc.add(valid);
    upsert(acc.toAggregate(START, START + 60_000));
    try (Connection c = db.dataSource().getConnection();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT a.probe_id, a.target, a.test, m.metric, a.errors_by_stage"
                    + " FROM agg_1m a JOIN agg_1m_metric m USING (probe_id, target, test,"
                    + " window_start)")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).isEqualTo(longProbe);
      assertThat(rs.getString(2)).isEqualTo(longTarget);
      assertThat(rs.getString(3)).isEqualTo(longTest);
      assertThat(rs.getString(4)).isEqualTo(longMetric);
      assertThat(rs.getString(5)).contains(longStage);
    }

    for (Measurement bad :
        List.of(
            measurement("probe\u0000-1", "web", "http", "total_ms", null, "e1"),
            measurement("probe-1", "web\u0000", "http", "total_ms", null, "e2"),
            measurement("probe-1", "web", "ht\u0000tp", "total_ms", null, "e3"),
            measurement("probe-1", "web", "http", "total\u0000_ms", null, "e4"),
            measurement("probe-1", "web", "http", "total_ms", "time\u0000out", "e5"),
            measurement("probe-1", "web\uD834", "http", "total_ms", null, "e6"),
            measurement(longProbe + "x", "web", "http", "total_ms", null, "e7"),
            measurement("probe-1", longTarget + "x", "http", "total_ms", null, "e8"),
            measurement("probe-1", "web", "http", longMetric + "x", null, "e9"))) {
      assertThat(MeasurementValidator.validate(bad, START + 2000))
          .as("%s", bad)
          .hasValueSatisfying(
              v -> assertThat(v.reason()).isIn("bad-id", "bad-text", "bad-metric-name"));
    }
  }

  private static Measurement measurement(
      String probe, String target, String test, String metric, String stage, String eventId) {
    return new Measurement(
        1,
        eventId,
        probe,
        target,
        test,
        1,
        START + 1000,
        stage == null,
        stage == null ? null : new MeasurementError(stage, "no reply"),
        null,
        null,
        null,
        Map.of(metric, 12.0));
  }

  private static void upsertBaseline(DiagnosedWindow w) throws SQLException {
    try (Connection c = db.dataSource().getConnection();
        PreparedStatement st = c.prepareStatement(BaselineUpsert.SQL)) {
      new BaselineUpsert(4).accept(st, w);
      st.executeUpdate();
    }
  }

  private static SeriesAggregate aggregate(int ok, int timeouts) {
    SeriesAccumulator acc = new SeriesAccumulator();
    for (int i = 0; i < ok + timeouts; i++) {
      boolean good = i < ok;
      java.util.List<Double> rtts = new java.util.ArrayList<>();
      for (int p = 0; p < 10; p++) {
        rtts.add(good || p % 2 == 0 ? 1.0 + (i * 10 + p) % 7 : null);
      }
      int received = (int) rtts.stream().filter(java.util.Objects::nonNull).count();
      acc.add(
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
              Map.of("total_ms", 10.0 + i)));
    }
    SeriesAggregate r = acc.toAggregate(0, 0);
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
    upsert(DiagnosedWindow.unscored(a));
  }

  private static void upsert(DiagnosedWindow w) throws SQLException {
    try (Connection c = db.dataSource().getConnection();
        PreparedStatement st = c.prepareStatement(AggregateUpsert.SQL_1M)) {
      new AggregateUpsert.Diagnosed(4).accept(st, w);
      st.executeUpdate();
    }
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
