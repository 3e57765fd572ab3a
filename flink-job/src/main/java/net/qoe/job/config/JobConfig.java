package net.qoe.job.config;

import java.io.Serializable;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import net.qoe.kafka.Topics;

/**
 * Everything the job needs to run. Each option is taken from the first of: a flag ({@code
 * --bootstrap-servers …}), its environment variable ({@code QOE_BOOTSTRAP_SERVERS …}), the
 * configuration file named by {@code --config} or {@code QOE_CONFIG} (YAML or properties, the flag
 * names as keys), and the default. Validated at start: every bad field, flag or file key is
 * reported at once, with what to do about it.
 */
public record JobConfig(
    String bootstrapServers,
    String groupId,
    String startingOffsets,
    String jdbcUrl,
    String jdbcUser,
    String jdbcPassword,
    Duration window,
    Duration outOfOrderness,
    Duration idleness,
    Duration allowedLateness,
    Duration dedupeTtl,
    Duration checkpointInterval,
    int jdbcBatchSize,
    Duration jdbcBatchInterval,
    int jdbcMaxRetries,
    String measurementsTopic,
    String dlqTopic,
    String commandsTopic,
    String commandSecret,
    String autoperfConfig,
    String stateBackend,
    String checkpointDir,
    int baselineWarmup,
    double baselineBand)
    implements Serializable {

  /** The flag naming a configuration file; its keys are the flag names without dashes. */
  public static final String CONFIG_FLAG = "config";

  /** The environment variable naming a configuration file when {@code --config} is not given. */
  public static final String CONFIG_ENV = "QOE_CONFIG";

  /** The state backends the job can run on. */
  public static final List<String> STATE_BACKENDS = List.of("hashmap", "rocksdb");

  /** Every option: flag name, environment variable, default (null = required), description. */
  public enum Option {
    BOOTSTRAP_SERVERS(
        "bootstrap-servers", "QOE_BOOTSTRAP_SERVERS", "localhost:9092", "Kafka bootstrap servers"),
    GROUP_ID("group-id", "QOE_GROUP_ID", "qoe-flink-job", "Kafka consumer group of the job"),
    STARTING_OFFSETS(
        "starting-offsets",
        "QOE_STARTING_OFFSETS",
        "committed",
        "where a job without a checkpoint starts: earliest, latest, or committed (earliest when none)"),
    JDBC_URL(
        "jdbc-url",
        "QOE_JDBC_URL",
        "jdbc:postgresql://localhost:5432/qoe",
        "PostgreSQL JDBC URL of the migrated qoe database"),
    JDBC_USER("jdbc-user", "QOE_JDBC_USER", "qoe", "PostgreSQL user"),
    JDBC_PASSWORD("jdbc-password", "QOE_JDBC_PASSWORD", "", "PostgreSQL password"),
    WINDOW("window", "QOE_WINDOW", "1m", "aggregation window size, e.g. 1m or 10s"),
    OUT_OF_ORDERNESS(
        "out-of-orderness",
        "QOE_OUT_OF_ORDERNESS",
        "5s",
        "how far out of order measurements may arrive before the watermark passes them"),
    IDLENESS(
        "idleness",
        "QOE_IDLENESS",
        "30s",
        "after this long without data a Kafka partition stops holding back the watermark"),
    ALLOWED_LATENESS(
        "allowed-lateness",
        "QOE_ALLOWED_LATENESS",
        "5m",
        "how long after the watermark a window still accepts (and re-emits for) late measurements;"
            + " runs are stamped with their start, so this covers the longest test (tier 3: 5 min)"),
    DEDUPE_TTL(
        "dedupe-ttl",
        "QOE_DEDUPE_TTL",
        "24h",
        "how long an event_id is remembered to drop probe retries and spool replays"),
    CHECKPOINT_INTERVAL(
        "checkpoint-interval", "QOE_CHECKPOINT_INTERVAL", "10s", "checkpoint interval"),
    JDBC_BATCH_SIZE("jdbc-batch-size", "QOE_JDBC_BATCH_SIZE", "500", "rows per JDBC batch"),
    JDBC_BATCH_INTERVAL(
        "jdbc-batch-interval",
        "QOE_JDBC_BATCH_INTERVAL",
        "1s",
        "longest a row waits before its batch is written"),
    JDBC_MAX_RETRIES(
        "jdbc-max-retries",
        "QOE_JDBC_MAX_RETRIES",
        "10",
        "retries of a failed batch (with growing back-off) before the job fails over"),
    MEASUREMENTS_TOPIC(
        "measurements-topic",
        "QOE_MEASUREMENTS_TOPIC",
        Topics.MEASUREMENTS,
        "topic the probes write to"),
    DLQ_TOPIC("dlq-topic", "QOE_DLQ_TOPIC", Topics.DLQ, "topic for records the job cannot use"),
    COMMANDS_TOPIC(
        "commands-topic",
        "QOE_COMMANDS_TOPIC",
        Topics.COMMANDS,
        "topic for tier commands to probes"),
    COMMAND_SECRET(
        "command-secret",
        "QOE_COMMAND_SECRET",
        "",
        "HMAC secret shared with the probes (16+ bytes); without it escalations are recorded but"
            + " no commands are sent"),
    AUTOPERF_CONFIG(
        "autoperf-config",
        "QOE_AUTOPERF_CONFIG",
        "",
        "path of autoperf.yml (thresholds, escalation policy); AUTOPERF_* variables override it"),
    STATE_BACKEND(
        "state-backend",
        "QOE_STATE_BACKEND",
        "hashmap",
        "where keyed state lives: hashmap (on the heap, fastest) or rocksdb (on local disk, for"
            + " very many series)"),
    CHECKPOINT_DIR(
        "checkpoint-dir",
        "QOE_CHECKPOINT_DIR",
        "",
        "where checkpoints are written (file:///…, s3://…); empty: the cluster's"
            + " execution.checkpointing.dir, or JobManager memory (at most 5 MB of state) without one"),
    BASELINE_WARMUP(
        "baseline-warmup",
        "QOE_BASELINE_WARMUP",
        "20",
        "windows a series' metric must be seen in (with at least 30 measurements, or 3 per window"
            + " when fewer windows are asked for) before its windows are scored"),
    BASELINE_BAND(
        "baseline-band",
        "QOE_BASELINE_BAND",
        "4",
        "spreads (σ) from this hour's baseline at which a headline is degraded: such a window is"
            + " suspect and teaches the baseline nothing, the diagnosis names what moved this far,"
            + " and the band beside each aggregate is ± this many spreads; 1-20");

    public final String flag;
    public final String env;
    public final String defaultValue;
    public final String description;

    Option(String flag, String env, String defaultValue, String description) {
      this.flag = flag;
      this.env = env;
      this.defaultValue = defaultValue;
      this.description = description;
    }

    /** The option with this flag name (without the dashes), or null. */
    public static Option byFlag(String flag) {
      for (Option o : values()) {
        if (o.flag.equals(flag)) {
          return o;
        }
      }
      return null;
    }
  }

  /** Thrown with every problem found, one line each. */
  public static final class InvalidConfigException extends IllegalArgumentException {
    private final List<String> problems;

    public InvalidConfigException(List<String> problems) {
      super("invalid job configuration:\n  - " + String.join("\n  - ", problems));
      this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
      return problems;
    }
  }

  public static JobConfig fromArgs(String[] args) {
    return fromArgs(args, System.getenv());
  }

  public static JobConfig fromArgs(String[] args, Map<String, String> env) {
    List<String> problems = new ArrayList<>();
    Map<String, String> flags = parseFlags(args, problems);
    String configPath = flags.remove(CONFIG_FLAG);
    if (configPath == null) {
      configPath = env.get(CONFIG_ENV);
    }
    Map<String, String> file =
        configPath == null || configPath.isBlank()
            ? Map.of()
            : ConfigFile.read(Path.of(configPath.trim()), problems);
    Map<Option, String> values = new LinkedHashMap<>();
    Map<Option, String> fromFile = new EnumMap<>(Option.class);
    for (Option option : Option.values()) {
      String value = flags.remove(option.flag);
      if (value == null) {
        value = env.get(option.env);
      }
      if (value == null && file.containsKey(option.flag)) {
        value = file.get(option.flag);
        fromFile.put(option, configPath.trim());
      }
      if (value == null) {
        value = option.defaultValue;
      }
      values.put(option, value.trim());
    }
    for (String unknown : flags.keySet()) {
      problems.add("--" + unknown + ": unknown option (see --help)");
    }
    for (String key : file.keySet()) {
      if (Option.byFlag(key) == null) {
        problems.add(configPath.trim() + ": unknown key '" + key + "' (see --help)");
      }
    }
    Resolver r = new Resolver(values, fromFile, problems);
    JobConfig config =
        new JobConfig(
            r.nonBlank(Option.BOOTSTRAP_SERVERS),
            r.nonBlank(Option.GROUP_ID),
            r.oneOf(Option.STARTING_OFFSETS, "earliest", "latest", "committed"),
            r.jdbcUrl(Option.JDBC_URL),
            r.nonBlank(Option.JDBC_USER),
            values.get(Option.JDBC_PASSWORD),
            r.positiveDuration(Option.WINDOW),
            r.duration(Option.OUT_OF_ORDERNESS),
            r.positiveDuration(Option.IDLENESS),
            r.duration(Option.ALLOWED_LATENESS),
            r.positiveDuration(Option.DEDUPE_TTL),
            r.positiveDuration(Option.CHECKPOINT_INTERVAL),
            r.positiveInt(Option.JDBC_BATCH_SIZE),
            r.positiveDuration(Option.JDBC_BATCH_INTERVAL),
            r.nonNegativeInt(Option.JDBC_MAX_RETRIES),
            r.nonBlank(Option.MEASUREMENTS_TOPIC),
            r.nonBlank(Option.DLQ_TOPIC),
            r.nonBlank(Option.COMMANDS_TOPIC),
            values.get(Option.COMMAND_SECRET),
            values.get(Option.AUTOPERF_CONFIG),
            r.oneOf(Option.STATE_BACKEND, STATE_BACKENDS.toArray(String[]::new)),
            values.get(Option.CHECKPOINT_DIR),
            r.positiveInt(Option.BASELINE_WARMUP),
            r.number(Option.BASELINE_BAND, 1, 20));
    String secret = values.get(Option.COMMAND_SECRET);
    if (!secret.isEmpty() && secret.getBytes(java.nio.charset.StandardCharsets.UTF_8).length < 16) {
      problems.add(
          "--command-secret (QOE_COMMAND_SECRET): at least 16 bytes, or empty to send no commands");
    }
    String autoperf = values.get(Option.AUTOPERF_CONFIG);
    if (!autoperf.isEmpty() && !java.nio.file.Files.isReadable(java.nio.file.Path.of(autoperf))) {
      problems.add("--autoperf-config (QOE_AUTOPERF_CONFIG): cannot read " + autoperf);
    }
    if (!problems.isEmpty()) {
      throw new InvalidConfigException(problems);
    }
    return config;
  }

  /** Never prints the JDBC password or the command secret. */
  @Override
  public String toString() {
    return "JobConfig[bootstrapServers="
        + bootstrapServers
        + ", jdbcUrl="
        + jdbcUrl
        + ", jdbcUser="
        + jdbcUser
        + ", jdbcPassword="
        + (jdbcPassword.isEmpty() ? "" : "***")
        + ", window="
        + window
        + ", outOfOrderness="
        + outOfOrderness
        + ", idleness="
        + idleness
        + ", allowedLateness="
        + allowedLateness
        + ", dedupeTtl="
        + dedupeTtl
        + ", checkpointInterval="
        + checkpointInterval
        + ", measurementsTopic="
        + measurementsTopic
        + ", dlqTopic="
        + dlqTopic
        + ", commandsTopic="
        + commandsTopic
        + ", commandSecret="
        + (commandSecret.isEmpty() ? "(none)" : "***")
        + ", autoperfConfig="
        + autoperfConfig
        + ", stateBackend="
        + stateBackend
        + ", checkpointDir="
        + checkpointDir
        + ", baselineWarmup="
        + baselineWarmup
        + ", baselineBand="
        + baselineBand
        + "]";
  }

  /** Usage text listing every option with its variable and default. */
  public static String usage() {
    StringBuilder sb = new StringBuilder("options (flag | environment variable | default):\n");
    sb.append(
        String.format(
            Locale.ROOT,
            "  --%-20s %-26s %-38s %s%n",
            CONFIG_FLAG,
            CONFIG_ENV,
            "\"\"",
            "YAML or properties file with any of the options below, flag names as keys;"
                + " flags, then environment variables, win over it"));
    for (Option o : Option.values()) {
      sb.append(
          String.format(
              Locale.ROOT,
              "  --%-20s %-26s %-38s %s%n",
              o.flag,
              o.env,
              o.defaultValue.isEmpty() ? "\"\"" : o.defaultValue,
              o.description));
    }
    return sb.toString();
  }

  public JobConfig withStartingOffsets(String offsets) {
    return new JobConfig(
        bootstrapServers,
        groupId,
        offsets,
        jdbcUrl,
        jdbcUser,
        jdbcPassword,
        window,
        outOfOrderness,
        idleness,
        allowedLateness,
        dedupeTtl,
        checkpointInterval,
        jdbcBatchSize,
        jdbcBatchInterval,
        jdbcMaxRetries,
        measurementsTopic,
        dlqTopic,
        commandsTopic,
        commandSecret,
        autoperfConfig,
        stateBackend,
        checkpointDir,
        baselineWarmup,
        baselineBand);
  }

  private static Map<String, String> parseFlags(String[] args, List<String> problems) {
    Map<String, String> flags = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("--")) {
        problems.add(arg + ": expected --option value");
        continue;
      }
      String name = arg.substring(2);
      String value;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      } else if (i + 1 < args.length) {
        value = args[++i];
      } else {
        problems.add(arg + ": needs a value");
        continue;
      }
      flags.put(name, value);
    }
    return flags;
  }

  /** Parses durations like 250ms, 10s, 1m, 2h, or ISO-8601 (PT1M). */
  public static Duration parseDuration(String text) {
    String s = text.trim().toLowerCase(Locale.ROOT);
    try {
      if (s.startsWith("pt") || s.startsWith("p")) {
        return Duration.parse(s.toUpperCase(Locale.ROOT));
      }
      if (s.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2).trim()));
      }
      long n = Long.parseLong(s.substring(0, s.length() - 1).trim());
      return switch (s.charAt(s.length() - 1)) {
        case 's' -> Duration.ofSeconds(n);
        case 'm' -> Duration.ofMinutes(n);
        case 'h' -> Duration.ofHours(n);
        case 'd' -> Duration.ofDays(n);
        default -> throw new IllegalArgumentException(text);
      };
    } catch (NumberFormatException | DateTimeParseException | StringIndexOutOfBoundsException e) {
      throw new IllegalArgumentException(text, e);
    }
  }

  private record Resolver(
      Map<Option, String> values, Map<Option, String> fromFile, List<String> problems) {

    String nonBlank(Option o) {
      String v = values.get(o);
      if (v.isEmpty()) {
        problems.add(describe(o) + ": must not be empty");
      }
      return v;
    }

    String oneOf(Option o, String... allowed) {
      String v = values.get(o).toLowerCase(Locale.ROOT);
      if (!List.of(allowed).contains(v)) {
        problems.add(describe(o) + ": '" + v + "' is not one of " + String.join(", ", allowed));
      }
      return v;
    }

    String jdbcUrl(Option o) {
      String v = values.get(o);
      if (!v.startsWith("jdbc:postgresql:")) {
        problems.add(describe(o) + ": '" + v + "' is not a jdbc:postgresql: URL");
      }
      return v;
    }

    Duration duration(Option o) {
      Duration d = parsed(o);
      if (d != null && d.isNegative()) {
        problems.add(describe(o) + ": must not be negative");
      }
      return d == null ? Duration.ZERO : d;
    }

    Duration positiveDuration(Option o) {
      Duration d = parsed(o);
      if (d != null && (d.isZero() || d.isNegative())) {
        problems.add(describe(o) + ": must be greater than zero");
      }
      return d == null ? Duration.ZERO : d;
    }

    private Duration parsed(Option o) {
      try {
        return parseDuration(values.get(o));
      } catch (IllegalArgumentException e) {
        problems.add(
            describe(o) + ": '" + values.get(o) + "' is not a duration (e.g. 500ms, 10s, 1m)");
        return null;
      }
    }

    int positiveInt(Option o) {
      int n = integer(o);
      if (n <= 0) {
        problems.add(describe(o) + ": must be greater than zero");
      }
      return n;
    }

    double number(Option o, double min, double max) {
      String v = values.get(o);
      try {
        double n = Double.parseDouble(v);
        if (!(n >= min && n <= max)) {
          problems.add(describe(o) + ": must be from " + fmt(min) + " to " + fmt(max));
        }
        return n;
      } catch (NumberFormatException e) {
        problems.add(describe(o) + ": '" + v + "' is not a number");
        return min;
      }
    }

    private static String fmt(double n) {
      return n == Math.rint(n) ? Long.toString((long) n) : Double.toString(n);
    }

    int nonNegativeInt(Option o) {
      int n = integer(o);
      if (n < 0) {
        problems.add(describe(o) + ": must not be negative");
      }
      return n;
    }

    private int integer(Option o) {
      try {
        return Integer.parseInt(values.get(o));
      } catch (NumberFormatException e) {
        problems.add(describe(o) + ": '" + values.get(o) + "' is not a whole number");
        return 1;
      }
    }

    private String describe(Option o) {
      String file = fromFile.get(o);
      return "--" + o.flag + " (" + o.env + (file == null ? "" : ", from " + file) + ")";
    }
  }
}
