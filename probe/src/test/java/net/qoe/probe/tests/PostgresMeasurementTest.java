package net.qoe.probe.tests;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import net.qoe.kafka.message.Measurement;
import net.qoe.probe.config.TargetConfig;
import net.qoe.probe.config.TestSpec;
import net.qoe.sql.EmbeddedDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The postgres test against a real embedded PostgreSQL server on loopback. */
class PostgresMeasurementTest {

  private static EmbeddedDatabase db;

  @BeforeAll
  static void startDatabase() {
    db = EmbeddedDatabase.start();
  }

  @AfterAll
  static void stopDatabase() {
    if (db != null) {
      db.close();
    }
  }

  private static Measurement run(PostgresTest test, String url) {
    TestSpec spec = TestSpec.ofType(TestSpec.POSTGRES).withUrl(url).withTimeoutMs(5000);
    return test.run(
        new TestContext("probe-pg", 1, Duration.ofSeconds(5)),
        TargetConfig.of("db", "127.0.0.1", db.port(), spec),
        spec);
  }

  private static PostgresTest withCredentials() {
    return new PostgresTest(Map.of("PGUSER", db.user(), "PGPASSWORD", db.password()));
  }

  @Test
  void timesAConnectAndACommittedInsertAndReadsTheServerCounters() throws Exception {
    PostgresTest test = withCredentials();
    Measurement m = run(test, db.jdbcUrl());

    assertThat(m.ok()).as("%s", m.error()).isTrue();
    assertThat(m.test()).isEqualTo("postgres");
    assertThat(m.metric("connect_ms")).isPositive();
    assertThat(m.metric("write_ms")).isPositive().isLessThan(m.metric("total_ms"));
    assertThat(m.metric("cache_hit_pct")).isBetween(0.0, 100.0);
    assertThat(m.metric("checkpoints_timed")).isNotNull();
    assertThat(m.metric("checkpoints_requested")).isNotNull();
    assertThat(m.metric("connections")).isGreaterThanOrEqualTo(1.0);
    // Rates need a previous run against the same database.
    assertThat(m.metrics()).doesNotContainKey("wal_bytes_per_s");

    try (Connection c = db.dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT count(*) FROM "
                    + PostgresTest.SCRATCH_TABLE
                    + " WHERE probe_id = 'probe-pg'")) {
      rs.next();
      assertThat(rs.getLong(1)).isGreaterThanOrEqualTo(1);
    }
  }

  @Test
  void theSecondRunReportsWalAndCheckpointRatesSinceTheFirst() throws Exception {
    PostgresTest test = withCredentials();
    Measurement first = run(test, db.jdbcUrl());
    // Writes between the runs: WAL must grow by at least their size.
    try (Connection c = db.dataSource().getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS wal_filler (v text)");
      s.execute("INSERT INTO wal_filler SELECT repeat('x', 1000) FROM generate_series(1, 2000)");
      s.execute("CHECKPOINT");
    }
    Measurement second = run(test, db.jdbcUrl());

    assertThat(first.ok()).as("%s", first.error()).isTrue();
    assertThat(second.ok()).as("%s", second.error()).isTrue();
    double seconds = (second.tsMs() - first.tsMs()) / 1000.0 + 1.0;
    assertThat(second.metric("wal_bytes_per_s") * seconds).isGreaterThan(2_000_000.0);
    assertThat(second.metric("checkpoints_requested"))
        .isGreaterThanOrEqualTo(first.metric("checkpoints_requested") + 1);
    assertThat(second.metric("checkpoints_per_hour")).isPositive();
  }

  @Test
  void aMissingDatabaseIsAConnectFailure() {
    String url = db.jdbcUrl().replaceFirst("/[^/?]+(\\?|$)", "/no_such_db$1");
    Measurement m = run(withCredentials(), url);

    assertThat(m.ok()).isFalse();
    assertThat(m.error().stage()).isEqualTo(Stage.CONNECT);
    assertThat(m.error().message()).contains("no_such_db");
  }

  @Test
  void aClosedPortIsRefused() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Measurement m = run(withCredentials(), "postgresql://127.0.0.1:" + port + "/qoe");

    assertThat(m.ok()).isFalse();
    assertThat(m.error().stage()).isEqualTo(Stage.REFUSED);
  }

  @Test
  void aReadOnlyRoleFailsTheQueryStage() throws Exception {
    try (Connection c = db.dataSource().getConnection();
        Statement s = c.createStatement()) {
      s.execute("DROP ROLE IF EXISTS probe_ro");
      s.execute("CREATE ROLE probe_ro LOGIN PASSWORD 'ro-secret-123'");
      s.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC");
    }
    Measurement m =
        run(
            new PostgresTest(Map.of("PGUSER", "probe_ro", "PGPASSWORD", "ro-secret-123")),
            db.jdbcUrl().replaceFirst("\\?.*$", ""));

    assertThat(m.ok()).isFalse();
    assertThat(m.error().stage()).isEqualTo(PostgresTest.STAGE_QUERY);
    assertThat(m.metric("connect_ms")).isPositive();
  }
}
