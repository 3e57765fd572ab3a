package net.qoe.probe.tests;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import net.qoe.kafka.message.Measurement;
import net.qoe.probe.config.TargetConfig;
import net.qoe.probe.config.TestSpec;

/**
 * A PostgreSQL server's health as its clients feel it: the time to connect and authenticate, the
 * time of one committed INSERT into a scratch table (the write path, WAL flush included), and the
 * server's own counters.
 *
 * <p>Metrics: connect_ms, write_ms, total_ms, cache_hit_pct (shared-buffer hits over all block
 * reads of this database), checkpoints_timed and checkpoints_requested (cumulative), connections.
 * From the second run on against the same database, also the rates since the previous run:
 * wal_bytes_per_s, checkpoints_per_hour, and cache_hit_pct over that interval instead of since the
 * statistics were reset.
 *
 * <p>The URL is {@code jdbc:postgresql://host:port/db} or {@code postgresql://host:port/db}. User
 * and password come from the URL's parameters or, like libpq, from {@code PGUSER} and {@code
 * PGPASSWORD}; neither ever appears in a measurement. The scratch table {@value #SCRATCH_TABLE}
 * holds one row per run for an hour and is created on first use, so the role needs CREATE on its
 * default schema (or the table created beforehand with INSERT and DELETE granted).
 */
public final class PostgresTest implements ProbeTest {

  public static final String NAME = TestSpec.POSTGRES;
  public static final String SCRATCH_TABLE = "qoe_probe_scratch";

  /** Query failed after connecting: a permission, a full disk, a read-only server. */
  public static final String STAGE_QUERY = "query";

  private static final String CREATE_SCRATCH =
      "CREATE TABLE IF NOT EXISTS "
          + SCRATCH_TABLE
          + " (probe_id text NOT NULL, ts timestamptz NOT NULL DEFAULT now(), note text)";
  private static final String INSERT =
      "INSERT INTO " + SCRATCH_TABLE + " (probe_id, note) VALUES (?, ?)";
  private static final String TRIM =
      "DELETE FROM " + SCRATCH_TABLE + " WHERE probe_id = ? AND ts < now() - interval '1 hour'";

  /** One reading of the server's cumulative counters. */
  record Counters(
      long atNanos,
      Double walBytes,
      long blocksHit,
      long blocksRead,
      long checkpointsTimed,
      long checkpointsRequested) {}

  private final Map<String, String> env;
  private final Map<String, Counters> previous = new ConcurrentHashMap<>();

  public PostgresTest() {
    this(System.getenv());
  }

  /** With another environment for PGUSER and PGPASSWORD (tests). */
  public PostgresTest(Map<String, String> env) {
    this.env = Map.copyOf(env);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Measurement run(TestContext ctx, TargetConfig target, TestSpec spec) {
    return ctx.measure(
        target.name(),
        NAME,
        m -> {
          Deadline deadline = Deadline.after(ctx.timeout());
          long start = System.nanoTime();
          String url = jdbcUrl(spec.url());
          Properties props = credentials(url);
          int seconds = Math.max(1, (int) Math.ceil(deadline.remainingNanos() / 1e9));
          props.setProperty("connectTimeout", Integer.toString(seconds));
          props.setProperty("socketTimeout", Integer.toString(seconds));
          props.setProperty("loginTimeout", Integer.toString(seconds));
          props.setProperty("ApplicationName", "qoe-probe");
          long connectStart = System.nanoTime();
          try (Connection c = connect(url, props)) {
            m.elapsed("connect_ms", connectStart);
            try {
              write(c, ctx.probeId(), deadline, m);
              Counters now = counters(c);
              record(url, now, m);
              m.metric("connections", connections(c));
            } catch (SQLException e) {
              if (deadline.passed()) {
                throw deadline.expired("postgres query");
              }
              throw new StageFailure(STAGE_QUERY, "postgres: " + describe(e));
            }
          } catch (SQLException e) {
            // Only close() is left in here.
          }
          m.elapsed("total_ms", start);
        });
  }

  private Connection connect(String url, Properties props) throws StageFailure {
    try {
      return DriverManager.getConnection(url, props);
    } catch (SQLException e) {
      String state = String.valueOf(e.getSQLState());
      if (state.startsWith("28")) {
        throw new StageFailure(Stage.CONNECT, "postgres refused the login: " + describe(e));
      }
      if (e.getMessage() != null && e.getMessage().toLowerCase().contains("refused")) {
        throw new StageFailure(Stage.REFUSED, "postgres: " + describe(e));
      }
      throw new StageFailure(Stage.CONNECT, "postgres: " + describe(e));
    }
  }

  private static void write(Connection c, String probeId, Deadline deadline, MeasurementBuilder m)
      throws SQLException, StageFailure {
    c.setAutoCommit(true);
    try (Statement s = c.createStatement()) {
      s.setQueryTimeout(queryTimeout(deadline));
      s.execute(CREATE_SCRATCH);
    }
    try (PreparedStatement insert = c.prepareStatement(INSERT)) {
      insert.setQueryTimeout(queryTimeout(deadline));
      insert.setString(1, probeId);
      insert.setString(2, "write latency probe");
      long writeStart = System.nanoTime();
      insert.executeUpdate();
      m.elapsed("write_ms", writeStart);
    }
    try (PreparedStatement trim = c.prepareStatement(TRIM)) {
      trim.setQueryTimeout(queryTimeout(deadline));
      trim.setString(1, probeId);
      trim.executeUpdate();
    }
  }

  private static int queryTimeout(Deadline deadline) throws StageFailure {
    return Math.max(1, (int) Math.ceil(deadline.socketTimeoutMillis("postgres query") / 1000.0));
  }

  static Counters counters(Connection c) throws SQLException {
    long at = System.nanoTime();
    Double wal = null;
    try (Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT CASE WHEN pg_is_in_recovery() THEN NULL"
                    + " ELSE (pg_current_wal_lsn() - '0/0'::pg_lsn)::float8 END")) {
      if (rs.next()) {
        double v = rs.getDouble(1);
        wal = rs.wasNull() ? null : v;
      }
    }
    long hit = 0;
    long read = 0;
    try (Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT blks_hit, blks_read FROM pg_stat_database"
                    + " WHERE datname = current_database()")) {
      if (rs.next()) {
        hit = rs.getLong(1);
        read = rs.getLong(2);
      }
    }
    long[] checkpoints = checkpoints(c);
    return new Counters(at, wal, hit, read, checkpoints[0], checkpoints[1]);
  }

  /** Timed and requested checkpoints: pg_stat_checkpointer from 17 on, pg_stat_bgwriter before. */
  private static long[] checkpoints(Connection c) throws SQLException {
    String sql =
        c.getMetaData().getDatabaseMajorVersion() >= 17
            ? "SELECT num_timed, num_requested FROM pg_stat_checkpointer"
            : "SELECT checkpoints_timed, checkpoints_req FROM pg_stat_bgwriter";
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      return rs.next() ? new long[] {rs.getLong(1), rs.getLong(2)} : new long[] {0, 0};
    }
  }

  private static long connections(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_stat_activity")) {
      return rs.next() ? rs.getLong(1) : 0;
    }
  }

  /** Records the counters, and the rates since the previous run against the same database. */
  private void record(String url, Counters now, MeasurementBuilder m) {
    m.metric("checkpoints_timed", now.checkpointsTimed());
    m.metric("checkpoints_requested", now.checkpointsRequested());
    Counters before = previous.put(url, now);
    long hits = now.blocksHit();
    long reads = now.blocksRead();
    if (before != null && now.atNanos() > before.atNanos()) {
      double seconds = (now.atNanos() - before.atNanos()) / 1e9;
      if (now.walBytes() != null
          && before.walBytes() != null
          && now.walBytes() >= before.walBytes()) {
        m.metric("wal_bytes_per_s", (now.walBytes() - before.walBytes()) / seconds);
      }
      long checkpoints =
          now.checkpointsTimed()
              + now.checkpointsRequested()
              - before.checkpointsTimed()
              - before.checkpointsRequested();
      if (checkpoints >= 0) {
        m.metric("checkpoints_per_hour", checkpoints * 3600.0 / seconds);
      }
      long deltaHits = hits - before.blocksHit();
      long deltaReads = reads - before.blocksRead();
      // After a statistics reset the counters go down; fall back to the cumulative ratio.
      if (deltaHits >= 0 && deltaReads >= 0 && deltaHits + deltaReads > 0) {
        hits = deltaHits;
        reads = deltaReads;
      }
    }
    if (hits + reads > 0) {
      m.metric("cache_hit_pct", 100.0 * hits / (hits + reads));
    }
  }

  /** The JDBC form of a configured URL. */
  static String jdbcUrl(String url) {
    if (url.startsWith("jdbc:")) {
      return url;
    }
    if (url.startsWith("postgresql://")) {
      return "jdbc:" + url;
    }
    if (url.startsWith("postgres://")) {
      return "jdbc:postgresql://" + url.substring("postgres://".length());
    }
    return url;
  }

  /** PGUSER and PGPASSWORD, unless the URL names the user itself. */
  private Properties credentials(String url) {
    Properties props = new Properties();
    String query = url.contains("?") ? url.substring(url.indexOf('?') + 1) : "";
    boolean urlHasUser = false;
    for (String part : query.split("&")) {
      if (part.startsWith("user=")) {
        urlHasUser = true;
      }
    }
    if (!urlHasUser && env.get("PGUSER") != null) {
      props.setProperty("user", env.get("PGUSER"));
    }
    if (!query.contains("password=") && env.get("PGPASSWORD") != null) {
      props.setProperty("password", env.get("PGPASSWORD"));
    }
    return props;
  }

  private static String describe(SQLException e) {
    String message = String.valueOf(e.getMessage());
    return e.getSQLState() == null ? message : message + " (SQLSTATE " + e.getSQLState() + ")";
  }
}
