package net.qoe.stack;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.qoe.job.config.JobConfig;

/** The launcher's options: flags first, then environment variables, then defaults. */
record StackOptions(
    Duration window,
    Duration duration,
    String externalBootstrapServers,
    String externalJdbcUrl,
    String jdbcUser,
    String jdbcPassword,
    int flinkPort,
    int prometheusPort,
    int postgresPort,
    int kafkaPort,
    Duration faultAfter,
    Duration faultLength,
    int faultDelayMs) {

  static final String USAGE =
      """
      usage: ./mvnw -Prun verify -Dstack.args="[options]"
        --window D              aggregation window (default 10s; QOE_WINDOW)
        --duration D            stop by itself after D (default: run until Ctrl-C)
        --bootstrap-servers S   use this Kafka instead of the embedded broker (QOE_BOOTSTRAP_SERVERS)
        --jdbc-url U            use this migrated PostgreSQL instead of the embedded one (QOE_JDBC_URL)
        --jdbc-user U           (QOE_JDBC_USER, default postgres)
        --jdbc-password P       (QOE_JDBC_PASSWORD, default empty)
        --flink-port N          Flink dashboard and REST port (default 8081)
        --prometheus-port N     Flink Prometheus metrics port (default 9249)
        --postgres-port N       embedded PostgreSQL port (default 54320)
        --kafka-port N          embedded Kafka port (default 9092)
        --fault-after D         when the scripted latency fault starts (default 60s)
        --fault-length D        how long it lasts (default 60s)
        --fault-delay-ms N      latency it adds to the HTTP target (default 2500: over AutoPerf's
                                2000 ms HTTP threshold, so the pair escalates to tier 2)
      durations: 500ms, 10s, 2m, 1h
      """;

  static StackOptions parse(String[] args, Map<String, String> env) {
    java.util.Map<String, String> flags = new java.util.HashMap<>();
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.isBlank()) {
        continue;
      }
      if (!a.startsWith("--") || i + 1 >= args.length) {
        problems.add(a + ": expected --option value");
        continue;
      }
      flags.put(a.substring(2), args[++i]);
    }
    java.util.function.BiFunction<String, String, String> get =
        (flag, envName) ->
            flags.containsKey(flag)
                ? flags.remove(flag)
                : envName == null ? null : env.get(envName);
    StackOptions o =
        new StackOptions(
            duration(get.apply("window", "QOE_WINDOW"), "10s", "--window", problems),
            duration(get.apply("duration", null), "0s", "--duration", problems),
            get.apply("bootstrap-servers", "QOE_BOOTSTRAP_SERVERS"),
            get.apply("jdbc-url", "QOE_JDBC_URL"),
            orDefault(get.apply("jdbc-user", "QOE_JDBC_USER"), "postgres"),
            orDefault(get.apply("jdbc-password", "QOE_JDBC_PASSWORD"), ""),
            port(get.apply("flink-port", null), 8081, "--flink-port", problems),
            port(get.apply("prometheus-port", null), 9249, "--prometheus-port", problems),
            port(get.apply("postgres-port", null), 54320, "--postgres-port", problems),
            port(get.apply("kafka-port", null), 9092, "--kafka-port", problems),
            duration(get.apply("fault-after", null), "60s", "--fault-after", problems),
            duration(get.apply("fault-length", null), "60s", "--fault-length", problems),
            port(get.apply("fault-delay-ms", null), 2500, "--fault-delay-ms", problems));
    flags.keySet().forEach(f -> problems.add("--" + f + ": unknown option"));
    if (o.window().isZero()) {
      problems.add("--window: must be greater than zero");
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(
          "bad options:\n  - " + String.join("\n  - ", problems) + "\n" + USAGE);
    }
    return o;
  }

  boolean embeddedKafka() {
    return externalBootstrapServers == null || externalBootstrapServers.isBlank();
  }

  boolean embeddedPostgres() {
    return externalJdbcUrl == null || externalJdbcUrl.isBlank();
  }

  private static String orDefault(String v, String d) {
    return v == null ? d : v;
  }

  private static Duration duration(String v, String d, String name, List<String> problems) {
    try {
      return JobConfig.parseDuration(v == null ? d : v);
    } catch (IllegalArgumentException e) {
      problems.add(name + ": '" + v + "' is not a duration");
      return Duration.ZERO;
    }
  }

  private static int port(String v, int d, String name, List<String> problems) {
    if (v == null) {
      return d;
    }
    try {
      int n = Integer.parseInt(v.trim());
      if (n < 0 || n > 65535) {
        problems.add(name + ": " + n + " is out of range");
      }
      return n;
    } catch (NumberFormatException e) {
      problems.add(name + ": '" + v + "' is not a number");
      return d;
    }
  }
}
