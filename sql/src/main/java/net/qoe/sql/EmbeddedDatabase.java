package net.qoe.sql;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A real PostgreSQL server (zonky's embedded binaries) for tests and the local stack, holding a
 * {@code qoe} database with the migrations applied. It can be stopped and started again on the same
 * port and data directory, to test what happens while the database is away.
 */
public final class EmbeddedDatabase implements AutoCloseable {

  public static final String DATABASE = "qoe";
  public static final String USER = "postgres";

  private final Path dataDir;
  private final boolean ownsDataDir;
  private final int port;
  private EmbeddedPostgres server;

  private EmbeddedDatabase(Path dataDir, boolean ownsDataDir, int port) {
    this.dataDir = dataDir;
    this.ownsDataDir = ownsDataDir;
    this.port = port;
  }

  /** Starts a server on a free loopback port in a fresh temporary directory, migrated. */
  public static EmbeddedDatabase start() {
    try {
      return start(Files.createTempDirectory("qoe-pg"), true, 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Starts a server with its data in {@code dataDir} on {@code port} (0 picks a free one), creates
   * the {@code qoe} database when missing and applies the migrations.
   */
  public static EmbeddedDatabase start(Path dataDir, boolean deleteOnClose, int port) {
    EmbeddedDatabase db =
        new EmbeddedDatabase(dataDir, deleteOnClose, port == 0 ? freePort() : port);
    db.startServer();
    db.createDatabase();
    Migrations.apply(db.dataSource());
    return db;
  }

  private void startServer() {
    try {
      server =
          EmbeddedPostgres.builder()
              .setPort(port)
              .setDataDirectory(dataDir.resolve("pgdata"))
              .setCleanDataDirectory(false)
              .setServerConfig("listen_addresses", "127.0.0.1")
              .setServerConfig("max_connections", "100")
              .setServerConfig("max_prepared_transactions", "20")
              .setServerConfig("fsync", "off")
              .setServerConfig("synchronous_commit", "off")
              .start();
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot start the embedded PostgreSQL in " + dataDir + ": " + e.getMessage(), e);
    }
  }

  private void createDatabase() {
    try (Connection c = server.getPostgresDatabase().getConnection();
        Statement st = c.createStatement()) {
      try (ResultSet rs =
          st.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + DATABASE + "'")) {
        if (!rs.next()) {
          st.execute("CREATE DATABASE " + DATABASE);
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create database " + DATABASE, e);
    }
  }

  public int port() {
    return port;
  }

  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE;
  }

  public String user() {
    return USER;
  }

  public String password() {
    return "";
  }

  public DataSource dataSource() {
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setUrl(jdbcUrl());
    ds.setUser(USER);
    ds.setConnectTimeout(10);
    return ds;
  }

  public boolean isRunning() {
    return server != null;
  }

  /** Stops the server and keeps its data, so {@link #restart()} brings the same database back. */
  public synchronized void stop() {
    if (server != null) {
      try {
        server.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } finally {
        server = null;
      }
    }
  }

  public synchronized void restart() {
    if (server == null) {
      startServer();
    }
  }

  @Override
  public synchronized void close() {
    stop();
    if (ownsDataDir) {
      deleteRecursively(dataDir);
    }
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
