package net.qoe.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.flywaydb.core.api.output.MigrateResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class MigrationsTest {

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

  @Test
  void createsTheAggregateTablesAndTheReaderRole() throws SQLException {
    assertThat(tables()).contains("agg_1m", "agg_1m_metric");
    assertThat(query("SELECT rolname FROM pg_roles WHERE rolname = 'qoe_reader'"))
        .containsExactly("qoe_reader");
  }

  @Test
  void applyingTwiceChangesNothing() {
    MigrateResult again = Migrations.apply(db.dataSource());
    assertThat(again.migrationsExecuted).isZero();
  }

  @Test
  void aggregateRowsLandInTheDefaultPartition() throws SQLException {
    exec(
        "INSERT INTO agg_1m (probe_id, target, test, window_start, window_end, tier, count,"
            + " ok_count, error_count) VALUES ('p', 't', 'http', '2026-01-01T00:00:00Z',"
            + " '2026-01-01T00:01:00Z', 1, 3, 3, 0)");
    assertThat(
            query(
                "SELECT tableoid::regclass::text FROM agg_1m WHERE probe_id = 'p' AND target ="
                    + " 't'"))
        .containsExactly("agg_1m_default");
  }

  @Test
  void rejectsImpossibleValues() {
    assertThatThrownBy(
            () ->
                exec(
                    "INSERT INTO agg_1m (probe_id, target, test, window_start, window_end, tier,"
                        + " count, ok_count, error_count, loss_pct) VALUES ('p', 't', 'udp',"
                        + " '2026-01-01T00:00:00Z', '2026-01-01T00:01:00Z', 1, 1, 1, 0, 140)"))
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("loss_pct");
  }

  @Test
  void readerRoleCanSelectButNotWrite() throws SQLException {
    exec("DROP ROLE IF EXISTS grafana_test");
    exec("CREATE ROLE grafana_test LOGIN IN ROLE qoe_reader");
    try (Connection c = db.dataSource().getConnection();
        Statement st = c.createStatement()) {
      st.execute("SET ROLE grafana_test");
      st.executeQuery("SELECT count(*) FROM agg_1m").close();
      assertThatThrownBy(() -> st.execute("DELETE FROM agg_1m"))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("permission denied");
    }
  }

  private static List<String> tables() throws SQLException {
    return query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename");
  }

  private static void exec(String sql) throws SQLException {
    try (Connection c = db.dataSource().getConnection();
        Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }

  private static List<String> query(String sql) throws SQLException {
    List<String> out = new ArrayList<>();
    try (Connection c = db.dataSource().getConnection();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }
}
