package net.qoe.stack;

import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.sql.DataSource;

/**
 * Prints the newest complete window of every series from Postgres, once per new window: what a user
 * would otherwise query by hand. The headline metric is per test: total_ms for http, rtt_ms for
 * packet tests, connect_ms for tcp.
 */
final class LiveTable {

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());

  private static final String QUERY =
      """
      SELECT a.probe_id, a.target, a.test, a.window_start, a.window_end, a.count, a.ok_count,
             m.metric, m.p50, m.p95, m.p99, a.jitter_ms, a.loss_pct, a.tier, a.errors_by_stage::text,
             a.anomaly_score, a.label, a.scope
      FROM agg_1m a
      LEFT JOIN agg_1m_metric m
        ON m.probe_id = a.probe_id AND m.target = a.target AND m.test = a.test
       AND m.window_start = a.window_start
       AND m.metric = CASE a.test WHEN 'http' THEN 'total_ms' WHEN 'tcp' THEN 'connect_ms'
                                  ELSE 'rtt_ms' END
      WHERE a.window_start = ?
      ORDER BY a.probe_id, a.target, a.test
      """;

  private final DataSource dataSource;
  private final PrintStream out;
  private Timestamp lastPrinted;
  private Timestamp lastTransition = new Timestamp(0);

  /** Prints AutoPerf tier changes decided by the job since the last call. */
  int printNewTransitions() throws SQLException {
    int n = 0;
    try (Connection c = dataSource.getConnection();
        PreparedStatement st =
            c.prepareStatement(
                "SELECT at, probe_id, target, from_tier, to_tier, reason FROM tier_transitions"
                    + " WHERE at > ? ORDER BY at")) {
      st.setTimestamp(1, lastTransition);
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          lastTransition = rs.getTimestamp(1);
          out.printf(
              Locale.ROOT,
              "%n[autoperf] %s %s -> %s: tier %d -> %d (%s)%n",
              TIME.format(lastTransition.toInstant()),
              rs.getString(2),
              rs.getString(3),
              rs.getInt(4),
              rs.getInt(5),
              rs.getString(6));
          n++;
        }
      }
    }
    out.flush();
    return n;
  }

  LiveTable(DataSource dataSource, PrintStream out) {
    this.dataSource = dataSource;
    this.out = out;
  }

  /** Prints the newest window if it is new; returns the number of series rows printed. */
  int printIfNew() throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      Timestamp newest;
      try (PreparedStatement st =
              c.prepareStatement(
                  // rows written in the last two seconds may be part of a batch still arriving
                  "SELECT max(window_start) FROM agg_1m WHERE updated_at < now() - interval '2 seconds'");
          ResultSet rs = st.executeQuery()) {
        rs.next();
        newest = rs.getTimestamp(1);
      }
      if (newest == null || newest.equals(lastPrinted)) {
        return 0;
      }
      List<String> lines = new ArrayList<>();
      String header = null;
      try (PreparedStatement st = c.prepareStatement(QUERY)) {
        st.setTimestamp(1, newest);
        try (ResultSet rs = st.executeQuery()) {
          while (rs.next()) {
            if (header == null) {
              header =
                  "window "
                      + TIME.format(rs.getTimestamp(4).toInstant())
                      + "-"
                      + TIME.format(rs.getTimestamp(5).toInstant());
            }
            lines.add(
                String.format(
                    Locale.ROOT,
                    "%-9s %-14s %-5s %5d %4d %-10s %8s %8s %8s %9s %7s %4d %6s  %-22s %s",
                    rs.getString(1),
                    rs.getString(2),
                    rs.getString(3),
                    rs.getLong(6),
                    rs.getLong(7),
                    rs.getString(8) == null ? "-" : rs.getString(8),
                    num(rs, 9),
                    num(rs, 10),
                    num(rs, 11),
                    num(rs, 12),
                    num(rs, 13),
                    rs.getInt(14),
                    num(rs, 16),
                    diagnosis(rs.getString(17), rs.getString(18), rs.getObject(16) == null),
                    "{}".equals(rs.getString(15)) ? "" : rs.getString(15)));
          }
        }
      }
      lastPrinted = newest;
      out.println();
      out.println(header);
      out.println(
          String.format(
              Locale.ROOT,
              "%-9s %-14s %-5s %5s %4s %-10s %8s %8s %8s %9s %7s %4s %6s  %-22s %s",
              "probe",
              "target",
              "test",
              "count",
              "ok",
              "metric",
              "p50 ms",
              "p95 ms",
              "p99 ms",
              "jitter ms",
              "loss %",
              "tier",
              "score",
              "diagnosis",
              "errors"));
      lines.forEach(out::println);
      out.flush();
      return lines.size();
    }
  }

  /** The label and, for a degraded window, its scope: "server-bound/target". */
  private static String diagnosis(String label, String scope, boolean warmingUp) {
    if (label == null) {
      return "-";
    }
    if (warmingUp && "normal".equals(label)) {
      return "normal (warm-up)";
    }
    return scope == null ? label : label + "/" + scope;
  }

  private static String num(ResultSet rs, int column) throws SQLException {
    double v = rs.getDouble(column);
    if (rs.wasNull()) {
      return "-";
    }
    return v >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.2f", v);
  }
}
