package net.qoe.sql;

import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * Applies the schema migrations under {@code sql/migrations} with Flyway. The only way tables are
 * created: the job never creates them itself.
 */
public final class Migrations {

  public static final String LOCATION = "classpath:db/migration/qoe";

  private Migrations() {}

  public static MigrateResult apply(DataSource dataSource) {
    return configure(Flyway.configure().dataSource(dataSource)).load().migrate();
  }

  public static MigrateResult apply(String jdbcUrl, String user, String password) {
    return configure(Flyway.configure().dataSource(jdbcUrl, user, password)).load().migrate();
  }

  private static org.flywaydb.core.api.configuration.FluentConfiguration configure(
      org.flywaydb.core.api.configuration.FluentConfiguration config) {
    return config.locations(LOCATION).validateMigrationNaming(true).failOnMissingLocations(true);
  }

  /** {@code java -cp … net.qoe.sql.Migrations <jdbc-url> <user> <password>} (used by compose). */
  public static void main(String[] args) {
    String url = args.length > 0 ? args[0] : System.getenv("QOE_JDBC_URL");
    String user = args.length > 1 ? args[1] : System.getenv().getOrDefault("QOE_JDBC_USER", "qoe");
    String password =
        args.length > 2 ? args[2] : System.getenv().getOrDefault("QOE_JDBC_PASSWORD", "");
    if (url == null || url.isBlank()) {
      System.err.println(
          "usage: Migrations <jdbc-url> [user] [password]  (or QOE_JDBC_URL, QOE_JDBC_USER,"
              + " QOE_JDBC_PASSWORD)");
      System.exit(2);
    }
    MigrateResult result = apply(url, user, password);
    System.out.printf(
        "schema at version %s (%d migrations applied)%n",
        result.targetSchemaVersion, result.migrationsExecuted);
  }
}
