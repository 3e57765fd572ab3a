package net.qoe.probe.config;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import net.qoe.kafka.Topics;
import net.qoe.probe.responder.Responder;

/**
 * The probe's configuration: who it is, where it publishes, and what it measures.
 *
 * <p>Constructing one validates it, reporting every bad field at once ({@link ConfigException}),
 * and fills what was left unset from the defaults, so the targets and tests of a {@code
 * ProbeConfig} are complete. Build one with {@link #builder()} or read it from YAML with {@link
 * #fromYaml(Path)}; then {@link Builder#applyEnv(Map)} and flags override the file, in that order.
 *
 * <pre>
 * probe_id: probe-a
 * kafka: {bootstrap_servers: "localhost:9092", topic: qoe.measurements}
 * defaults: {interval_s: 30, timeout_ms: 5000}
 * concurrency: 4
 * targets:
 *   - name: web-1
 *     host: example.com
 *     tests:
 *       - {type: http, url: "https://example.com/"}
 *       - {type: tcp, port: 443}
 * </pre>
 */
public record ProbeConfig(
    String probeId,
    KafkaSettings kafka,
    TestDefaults defaults,
    int concurrency,
    List<TargetConfig> targets,
    SpoolSettings spool,
    StatusSettings status,
    AutoPerfSettings autoperf,
    List<WebhookSettings> webhooks) {

  public static final String DEFAULT_BOOTSTRAP_SERVERS = "localhost:9092";
  public static final double DEFAULT_INTERVAL_S = 30;
  public static final int DEFAULT_TIMEOUT_MS = 5000;
  public static final int DEFAULT_CONCURRENCY = 4;

  /** The responder's default UDP echo port, used by udp tests that name no port. */
  public static final int DEFAULT_UDP_PORT = Responder.DEFAULT_UDP_PORT;

  public static final String ENV_INTERVAL = "AUTOPERF_INTERVAL";
  public static final String ENV_PROBE_ID = "QOE_PROBE_ID";
  public static final String ENV_BOOTSTRAP_SERVERS = "QOE_BOOTSTRAP_SERVERS";
  public static final String ENV_AUTOPERF_ENABLED = AutoPerfSettings.ENV_ENABLED;
  public static final String ENV_COMMAND_SECRET = AutoPerfSettings.ENV_COMMAND_SECRET;

  // '|' separates probe and target in the Kafka key, so neither may contain it.
  private static final Pattern ID = Pattern.compile("[^\\s|\\p{Cntrl}]{1,128}");
  private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");
  private static final Pattern BROKER = Pattern.compile("\\S+:\\d{1,5}");
  private static final int MAX_CONCURRENCY = 256;

  public ProbeConfig {
    kafka =
        kafka == null ? new KafkaSettings(DEFAULT_BOOTSTRAP_SERVERS, Topics.MEASUREMENTS) : kafka;
    defaults =
        defaults == null ? new TestDefaults(DEFAULT_INTERVAL_S, DEFAULT_TIMEOUT_MS) : defaults;
    targets = targets == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(targets));
    List<String> problems = problemsOf(probeId, kafka, defaults, concurrency, targets);
    checkSpool(spool, problems);
    checkStatus(status, problems);
    autoperf = autoperf == null ? AutoPerfSettings.disabled() : autoperf;
    autoperf.check(problems);
    webhooks =
        webhooks == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(webhooks));
    for (int i = 0; i < webhooks.size(); i++) {
      webhooks.get(i).check("notifications.webhook[" + i + "]", problems);
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    TestDefaults d = defaults;
    targets = targets.stream().map(t -> resolve(t, d)).toList();
  }

  /** A configuration without a spool or a status server. */
  public ProbeConfig(
      String probeId,
      KafkaSettings kafka,
      TestDefaults defaults,
      int concurrency,
      List<TargetConfig> targets) {
    this(probeId, kafka, defaults, concurrency, targets, null, null, null, null);
  }

  /** A configuration without AutoPerf and webhooks. */
  public ProbeConfig(
      String probeId,
      KafkaSettings kafka,
      TestDefaults defaults,
      int concurrency,
      List<TargetConfig> targets,
      SpoolSettings spool,
      StatusSettings status) {
    this(probeId, kafka, defaults, concurrency, targets, spool, status, null, null);
  }

  private static void checkSpool(SpoolSettings spool, List<String> problems) {
    if (spool == null) {
      return;
    }
    if (spool.dir() == null || spool.dir().isBlank()) {
      problems.add("spool.dir: required (a directory the probe may write)");
    }
    if (spool.maxBytes() < SpoolSettings.MIN_MAX_BYTES) {
      problems.add(
          "spool.max_bytes: must be at least "
              + SpoolSettings.MIN_MAX_BYTES
              + " (got "
              + spool.maxBytes()
              + ")");
    }
  }

  private static void checkStatus(StatusSettings status, List<String> problems) {
    if (status == null) {
      return;
    }
    if (status.port() < 0 || status.port() > 65535) {
      problems.add("status.port: must be 0-65535 (got " + status.port() + ")");
    }
    if (status.bind() == null || status.bind().isBlank()) {
      problems.add("status.bind: required (an address such as 127.0.0.1)");
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding what the file says; problems in the file are reported by build(). */
  public static Builder fromYaml(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new ConfigException(List.of(file + ": no such file"));
    } catch (IOException e) {
      throw new ConfigException(List.of(file + ": cannot be read (" + e.getMessage() + ")"));
    }
    return fromYaml(text);
  }

  public static Builder fromYaml(String yaml) {
    Builder builder = new Builder();
    YamlConfigReader.read(yaml, builder);
    return builder;
  }

  public TargetConfig target(String name) {
    return targets.stream().filter(t -> t.name().equals(name)).findFirst().orElse(null);
  }

  /** Collects what is set: values left null keep their defaults. */
  public static final class Builder {
    private String probeId;
    private String bootstrapServers = DEFAULT_BOOTSTRAP_SERVERS;
    private String topic = Topics.MEASUREMENTS;
    private double intervalS = DEFAULT_INTERVAL_S;
    private int timeoutMs = DEFAULT_TIMEOUT_MS;
    private int concurrency = DEFAULT_CONCURRENCY;
    private final List<TargetConfig> targets = new ArrayList<>();
    private SpoolSettings spool;
    private StatusSettings status;
    private AutoPerfSettings autoperf;
    private String commandSecret;
    private Boolean autoperfEnabled;
    private final List<WebhookSettings> webhooks = new ArrayList<>();
    private final List<String> readProblems = new ArrayList<>();

    private Builder() {}

    public Builder probeId(String probeId) {
      if (probeId != null) {
        this.probeId = probeId;
      }
      return this;
    }

    public Builder bootstrapServers(String bootstrapServers) {
      if (bootstrapServers != null) {
        this.bootstrapServers = bootstrapServers;
      }
      return this;
    }

    public Builder topic(String topic) {
      if (topic != null) {
        this.topic = topic;
      }
      return this;
    }

    public Builder defaultIntervalS(Double seconds) {
      if (seconds != null) {
        this.intervalS = seconds;
      }
      return this;
    }

    public Builder defaultTimeoutMs(Integer millis) {
      if (millis != null) {
        this.timeoutMs = millis;
      }
      return this;
    }

    public Builder concurrency(Integer threads) {
      if (threads != null) {
        this.concurrency = threads;
      }
      return this;
    }

    /** Spools to {@code dir}, at most {@code maxBytes} (null: the default size). */
    public Builder spool(String dir, Long maxBytes) {
      if (dir != null || maxBytes != null) {
        this.spool =
            new SpoolSettings(dir, maxBytes != null ? maxBytes : SpoolSettings.DEFAULT_MAX_BYTES);
      }
      return this;
    }

    /** Serves status on {@code port} (null: the default) at {@code bind} (null: loopback). */
    public Builder status(Integer port, String bind) {
      this.status =
          new StatusSettings(
              port != null ? port : StatusSettings.DEFAULT_PORT,
              bind != null ? bind : StatusSettings.DEFAULT_BIND);
      return this;
    }

    /** The AutoPerf section; the environment's secret and switch still apply over it. */
    public Builder autoperf(AutoPerfSettings settings) {
      if (settings != null) {
        this.autoperf = settings;
      }
      return this;
    }

    /** The HMAC secret of tier commands (over the file's). */
    public Builder commandSecret(String secret) {
      if (secret != null) {
        this.commandSecret = secret;
      }
      return this;
    }

    public Builder webhook(WebhookSettings webhook) {
      webhooks.add(webhook);
      return this;
    }

    public Builder target(TargetConfig target) {
      targets.add(target);
      return this;
    }

    public Builder targets(List<TargetConfig> all) {
      targets.addAll(all);
      return this;
    }

    /**
     * Applies the environment: {@value #ENV_INTERVAL} (seconds, the default interval), {@value
     * #ENV_PROBE_ID}, {@value #ENV_BOOTSTRAP_SERVERS}. Call before applying flags so flags win.
     */
    public Builder applyEnv(Map<String, String> env) {
      String interval = blankToNull(env.get(ENV_INTERVAL));
      if (interval != null) {
        try {
          double seconds = Double.parseDouble(interval.trim());
          if (!(seconds > 0) || Double.isInfinite(seconds)) {
            throw new NumberFormatException();
          }
          intervalS = seconds;
        } catch (NumberFormatException e) {
          readProblems.add(
              ENV_INTERVAL + ": must be a positive number of seconds (got \"" + interval + "\")");
        }
      }
      probeId(blankToNull(env.get(ENV_PROBE_ID)));
      bootstrapServers(blankToNull(env.get(ENV_BOOTSTRAP_SERVERS)));
      commandSecret(blankToNull(env.get(ENV_COMMAND_SECRET)));
      String enabled = blankToNull(env.get(ENV_AUTOPERF_ENABLED));
      if (enabled != null) {
        switch (enabled.trim().toLowerCase(java.util.Locale.ROOT)) {
          case "true", "1", "yes", "on" -> autoperfEnabled = true;
          case "false", "0", "no", "off" -> autoperfEnabled = false;
          default ->
              readProblems.add(
                  ENV_AUTOPERF_ENABLED + ": must be true or false (got \"" + enabled + "\")");
        }
      }
      return this;
    }

    void problem(String problem) {
      readProblems.add(problem);
    }

    private AutoPerfSettings effectiveAutoperf() {
      AutoPerfSettings a = autoperf;
      if (a == null) {
        a = Boolean.TRUE.equals(autoperfEnabled) ? AutoPerfSettings.seedDefaults(null) : null;
      } else if (autoperfEnabled != null) {
        a = a.withEnabled(autoperfEnabled);
      }
      if (a != null && commandSecret != null) {
        a = a.withSecret(commandSecret);
      }
      return a;
    }

    /** Validates and completes the configuration, or throws with every problem found. */
    public ProbeConfig build() {
      List<String> problems = new ArrayList<>(readProblems);
      try {
        ProbeConfig config =
            new ProbeConfig(
                probeId,
                new KafkaSettings(bootstrapServers, topic),
                new TestDefaults(intervalS, timeoutMs),
                concurrency,
                targets,
                spool,
                status,
                effectiveAutoperf(),
                webhooks);
        if (problems.isEmpty()) {
          return config;
        }
      } catch (ConfigException e) {
        for (String p : e.problems()) {
          // An unreadable YAML entry was already reported, more precisely, while reading.
          String path = p.substring(0, p.indexOf(':') + 1);
          boolean alreadyReported =
              p.endsWith(": empty entry")
                  && readProblems.stream().anyMatch(r -> r.startsWith(path));
          if (!alreadyReported) {
            problems.add(p);
          }
        }
      }
      throw new ConfigException(problems);
    }
  }

  // --- validation: one message per bad field, path first -----------------------------------

  private static List<String> problemsOf(
      String probeId,
      KafkaSettings kafka,
      TestDefaults defaults,
      int concurrency,
      List<TargetConfig> targets) {
    List<String> problems = new ArrayList<>();
    if (probeId == null || probeId.isBlank()) {
      problems.add(
          "probe_id: required (set it in the config file, " + ENV_PROBE_ID + " or --probe-id)");
    } else if (!ID.matcher(probeId).matches()) {
      problems.add("probe_id: " + idRule(probeId));
    }
    String servers = kafka.bootstrapServers();
    if (servers == null || servers.isBlank()) {
      problems.add("kafka.bootstrap_servers: required (host:port[,host:port…])");
    } else {
      for (String server : servers.split(",")) {
        if (!BROKER.matcher(server.trim()).matches()) {
          problems.add("kafka.bootstrap_servers: \"" + server.trim() + "\" is not host:port");
        }
      }
    }
    if (kafka.topic() == null || !TOPIC.matcher(kafka.topic()).matches()) {
      problems.add(
          "kafka.topic: must be 1-249 letters, digits, '.', '_' or '-' (got "
              + quote(kafka.topic())
              + ")");
    }
    if (!validInterval(defaults.intervalS())) {
      problems.add(
          "defaults.interval_s: must be a positive number of seconds (got "
              + defaults.intervalS()
              + ")");
    }
    if (defaults.timeoutMs() <= 0) {
      problems.add(
          "defaults.timeout_ms: must be a positive number of milliseconds (got "
              + defaults.timeoutMs()
              + ")");
    }
    if (concurrency < 1 || concurrency > MAX_CONCURRENCY) {
      problems.add(
          "concurrency: must be between 1 and " + MAX_CONCURRENCY + " (got " + concurrency + ")");
    }
    if (targets.isEmpty()) {
      problems.add("targets: at least one target is required");
    }
    // Tests inherit the defaults; a bad default was reported once above, not once per test.
    TestDefaults usable =
        new TestDefaults(
            validInterval(defaults.intervalS()) ? defaults.intervalS() : DEFAULT_INTERVAL_S,
            defaults.timeoutMs() > 0 ? defaults.timeoutMs() : DEFAULT_TIMEOUT_MS);
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < targets.size(); i++) {
      checkTarget("targets[" + i + "]", targets.get(i), usable, problems);
      TargetConfig t = targets.get(i);
      String name = t == null ? null : effectiveName(t);
      if (name != null) {
        Integer first = seen.putIfAbsent(name, i);
        if (first != null) {
          problems.add(
              "targets["
                  + i
                  + "].name: \""
                  + name
                  + "\" is already used by targets["
                  + first
                  + "]");
        }
      }
    }
    return problems;
  }

  private static void checkTarget(
      String path, TargetConfig t, TestDefaults defaults, List<String> problems) {
    if (t == null) {
      problems.add(path + ": empty entry");
      return;
    }
    if (t.name() != null && !ID.matcher(t.name()).matches()) {
      problems.add(path + ".name: " + idRule(t.name()));
    } else if (t.name() == null && t.host() == null) {
      problems.add(path + ".name: required when the target has no host");
    }
    if (t.host() != null && !validHost(t.host())) {
      problems.add(path + ".host: must be a host name or IP address (got " + quote(t.host()) + ")");
    }
    if (t.port() != null && !validPort(t.port())) {
      problems.add(path + ".port: must be 1-65535 (got " + t.port() + ")");
    }
    if (t.tests().isEmpty()) {
      problems.add(path + ".tests: at least one test is required");
    }
    for (int j = 0; j < t.tests().size(); j++) {
      checkTest(path, ".tests[" + j + "]", t, t.tests().get(j), defaults, problems);
    }
  }

  private static void checkTest(
      String targetPath,
      String testPath,
      TargetConfig target,
      TestSpec raw,
      TestDefaults defaults,
      List<String> problems) {
    String path = targetPath + testPath;
    if (raw == null) {
      problems.add(path + ": empty entry");
      return;
    }
    if (raw.type() == null || raw.type().isBlank()) {
      problems.add(path + ".type: required (one of " + String.join(", ", TestSpec.TYPES) + ")");
      return;
    }
    if (!TestSpec.TYPES.contains(raw.type())) {
      problems.add(
          path
              + ".type: unknown test type \""
              + raw.type()
              + "\" (known: "
              + String.join(", ", TestSpec.TYPES)
              + ")");
      return;
    }
    if (raw.intervalS() != null && !validInterval(raw.intervalS())) {
      problems.add(
          path + ".interval_s: must be a positive number of seconds (got " + raw.intervalS() + ")");
    }
    if (raw.timeoutMs() != null && raw.timeoutMs() <= 0) {
      problems.add(
          path
              + ".timeout_ms: must be a positive number of milliseconds (got "
              + raw.timeoutMs()
              + ")");
    }
    List<String> options = optionsOf(raw.type());
    for (Map.Entry<String, Object> option : setOptions(raw).entrySet()) {
      if (!options.contains(option.getKey())) {
        problems.add(
            path
                + "."
                + option.getKey()
                + ": not an option of "
                + raw.type()
                + " tests (they take: "
                + String.join(", ", options)
                + ")");
      }
    }
    if (raw.port() != null && !validPort(raw.port())) {
      problems.add(path + ".port: must be 1-65535 (got " + raw.port() + ")");
    }
    TestSpec spec = resolve(raw, target, defaults);
    switch (raw.type()) {
      case TestSpec.HTTP -> checkHttp(path, raw, spec, problems);
      case TestSpec.TCP -> {
        if (target.host() == null) {
          problems.add(targetPath + ".host: required by the tcp test at " + testPath.substring(1));
        }
        if (spec.port() == null) {
          problems.add(path + ".port: required (set it on the test or on the target)");
        }
      }
      case TestSpec.UDP -> checkUdp(targetPath, testPath, target, spec, problems);
      case TestSpec.TLS,
          TestSpec.PORT_SCAN,
          TestSpec.TRACEROUTE,
          TestSpec.BANDWIDTH,
          TestSpec.IPERF3 -> {
        if (target.host() == null) {
          problems.add(
              targetPath
                  + ".host: required by the "
                  + raw.type()
                  + " test at "
                  + testPath.substring(1));
        }
        if (spec.ports() != null) {
          if (spec.ports().isEmpty()) {
            problems.add(path + ".ports: must list at least one port");
          }
          for (Integer p : spec.ports()) {
            if (p == null || !validPort(p)) {
              problems.add(path + ".ports: " + p + " is not a port (1-65535)");
            }
          }
        }
      }
      case TestSpec.DNS -> {
        if (target.host() == null) {
          problems.add(
              targetPath
                  + ".host: required by the dns test at "
                  + testPath.substring(1)
                  + " (the resolver)");
        }
        if (spec.query() == null || spec.query().isBlank()) {
          problems.add(path + ".query: required (the name to look up)");
        }
        if (!List.of("A", "AAAA").contains(spec.recordType())) {
          problems.add(
              path + ".record_type: must be A or AAAA (got " + quote(spec.recordType()) + ")");
        }
      }
      case TestSpec.SYSTEM -> {}
      case TestSpec.POSTGRES -> {
        if (spec.url() == null) {
          problems.add(
              path + ".url: required (jdbc:postgresql://host:port/db), or a host on the target");
        } else if (!spec.url().matches("(jdbc:postgresql|postgresql|postgres)://\\S+")) {
          problems.add(
              path
                  + ".url: must be jdbc:postgresql://host:port/db or postgresql://host:port/db"
                  + " (got "
                  + quote(redactPassword(spec.url()))
                  + ")");
        }
      }
      case TestSpec.SCRIPT -> {
        if (spec.script() == null || spec.script().isBlank()) {
          problems.add(path + ".script: required (the executable that prints JSON)");
        }
      }
      case TestSpec.PING, TestSpec.EXTENDED_PING -> {
        if (target.host() == null) {
          problems.add(
              targetPath
                  + ".host: required by the "
                  + raw.type()
                  + " test at "
                  + testPath.substring(1));
        }
        if (spec.packets() < 1 || spec.packets() > 1000) {
          problems.add(path + ".packets: must be 1-1000 (got " + spec.packets() + ")");
        }
      }
      default -> throw new IllegalStateException("type checked above: " + raw.type());
    }
  }

  private static void checkHttp(String path, TestSpec raw, TestSpec spec, List<String> problems) {
    if (spec.url() == null) {
      problems.add(path + ".url: required (or give the target a host)");
    } else if (!validHttpUrl(spec.url())) {
      problems.add(path + ".url: must be an http or https URL (got " + quote(spec.url()) + ")");
    }
    if (raw.expectStatus() != null) {
      if (raw.expectStatus().isEmpty()) {
        problems.add(path + ".expect_status: must list at least one status");
      }
      for (Integer status : raw.expectStatus()) {
        if (status == null || status < 100 || status > 599) {
          problems.add(path + ".expect_status: " + status + " is not an HTTP status (100-599)");
        }
      }
    }
  }

  private static void checkUdp(
      String targetPath,
      String testPath,
      TargetConfig target,
      TestSpec spec,
      List<String> problems) {
    String path = targetPath + testPath;
    if (target.host() == null) {
      problems.add(targetPath + ".host: required by the udp test at " + testPath.substring(1));
    }
    boolean sane = true;
    if (spec.packets() < 1 || spec.packets() > 10_000) {
      problems.add(path + ".packets: must be 1-10000 (got " + spec.packets() + ")");
      sane = false;
    }
    if (spec.packetIntervalMs() < 0 || spec.packetIntervalMs() > 60_000) {
      problems.add(
          path + ".packet_interval_ms: must be 0-60000 (got " + spec.packetIntervalMs() + ")");
      sane = false;
    }
    if (spec.replyTimeoutMs() < 1) {
      problems.add(
          path + ".reply_timeout_ms: must be at least 1 (got " + spec.replyTimeoutMs() + ")");
      sane = false;
    }
    long needed = (long) (spec.packets() - 1) * spec.packetIntervalMs() + spec.replyTimeoutMs();
    if (sane && spec.timeoutMs() > 0 && needed > spec.timeoutMs()) {
      problems.add(
          path
              + ": sending "
              + spec.packets()
              + " packets "
              + spec.packetIntervalMs()
              + " ms apart and waiting "
              + spec.replyTimeoutMs()
              + " ms for replies takes "
              + needed
              + " ms, more than timeout_ms ("
              + spec.timeoutMs()
              + "); send fewer packets or raise timeout_ms");
    }
  }

  // --- completion: what an unset option means -------------------------------------------

  private static TargetConfig resolve(TargetConfig t, TestDefaults defaults) {
    List<TestSpec> tests = t.tests().stream().map(s -> resolve(s, t, defaults)).toList();
    return new TargetConfig(effectiveName(t), t.host(), t.port(), tests);
  }

  private static TestSpec resolve(TestSpec s, TargetConfig t, TestDefaults defaults) {
    TestSpec spec =
        s.withIntervalS(Objects.requireNonNullElse(s.intervalS(), defaults.intervalS()))
            .withTimeoutMs(Objects.requireNonNullElse(s.timeoutMs(), defaults.timeoutMs()));
    return switch (spec.type()) {
      case TestSpec.HTTP -> {
        String url = spec.url();
        if (url == null && t.host() != null) {
          url = "http://" + TargetConfig.hostPort(t.host(), t.port()) + "/";
        }
        yield spec.withUrl(url)
            .withInsecureSkipVerify(Objects.requireNonNullElse(spec.insecureSkipVerify(), false));
      }
      case TestSpec.TCP -> spec.withPort(spec.port() != null ? spec.port() : t.port());
      case TestSpec.UDP -> {
        int port =
            spec.port() != null ? spec.port() : t.port() != null ? t.port() : DEFAULT_UDP_PORT;
        int gap =
            Objects.requireNonNullElse(
                spec.packetIntervalMs(), TestSpec.DEFAULT_PACKET_INTERVAL_MS);
        int packets =
            spec.packets() != null
                ? spec.packets()
                : defaultPackets(spec.timeoutMs(), gap, spec.replyTimeoutMs());
        // By default wait up to a second for replies, less when the timeout leaves less room.
        long room = spec.timeoutMs() - (long) (packets - 1) * gap;
        int replyWait =
            spec.replyTimeoutMs() != null
                ? spec.replyTimeoutMs()
                : (int) Math.max(1, Math.min(TestSpec.DEFAULT_REPLY_TIMEOUT_MS, room));
        yield spec.withPort(port)
            .withPackets(packets)
            .withPacketIntervalMs(gap)
            .withReplyTimeoutMs(replyWait);
      }
      case TestSpec.TLS ->
          spec.withPort(
              spec.port() != null
                  ? spec.port()
                  : t.port() != null ? t.port() : TestSpec.DEFAULT_TLS_PORT);
      case TestSpec.DNS ->
          spec.withPort(
                  spec.port() != null
                      ? spec.port()
                      : t.port() != null ? t.port() : TestSpec.DEFAULT_DNS_PORT)
              .withRecordType(
                  spec.recordType() == null
                      ? TestSpec.DEFAULT_RECORD_TYPE
                      : spec.recordType().toUpperCase(java.util.Locale.ROOT));
      case TestSpec.BANDWIDTH ->
          spec.withPort(
              spec.port() != null
                  ? spec.port()
                  : t.port() != null ? t.port() : TestSpec.DEFAULT_BANDWIDTH_PORT);
      case TestSpec.IPERF3 ->
          spec.withPort(
              spec.port() != null
                  ? spec.port()
                  : t.port() != null ? t.port() : TestSpec.DEFAULT_IPERF3_PORT);
      case TestSpec.POSTGRES -> {
        String url = spec.url();
        if (url == null && t.host() != null) {
          int port = t.port() != null ? t.port() : TestSpec.DEFAULT_POSTGRES_PORT;
          url = "jdbc:postgresql://" + TargetConfig.hostPort(t.host(), port) + "/postgres";
        }
        yield spec.withUrl(url);
      }
      case TestSpec.PORT_SCAN ->
          spec.withPorts(spec.ports() != null ? spec.ports() : TestSpec.DEFAULT_SCAN_PORTS);
      case TestSpec.PING ->
          spec.withPackets(
              Objects.requireNonNullElse(spec.packets(), TestSpec.DEFAULT_PING_PACKETS));
      case TestSpec.EXTENDED_PING ->
          spec.withPackets(
              Objects.requireNonNullElse(spec.packets(), TestSpec.DEFAULT_EXTENDED_PING_PACKETS));
      default -> spec;
    };
  }

  /**
   * The packets of a udp run that sets none: {@link TestSpec#DEFAULT_PACKETS}, or fewer when a
   * short timeout could not hold them and still leave the replies to the last packet their wait
   * (the given reply timeout, else up to a second and at most half of the timeout).
   */
  static int defaultPackets(int timeoutMs, int gapMs, Integer replyTimeoutMs) {
    if (gapMs <= 0) {
      return TestSpec.DEFAULT_PACKETS;
    }
    long replyWait =
        replyTimeoutMs != null
            ? replyTimeoutMs
            : Math.min(TestSpec.DEFAULT_REPLY_TIMEOUT_MS, timeoutMs / 2);
    long fit = 1 + (timeoutMs - replyWait) / gapMs;
    return (int) Math.max(1, Math.min(TestSpec.DEFAULT_PACKETS, fit));
  }

  /** A URL fit for an error message: the value of a password parameter is left out. */
  static String redactPassword(String url) {
    return url.replaceAll("(?i)(password=)[^&]*", "$1***")
        .replaceAll("//([^/@:]+):[^/@]*@", "//$1:***@");
  }

  private static String effectiveName(TargetConfig t) {
    if (t.name() != null) {
      return t.name();
    }
    return t.host() == null ? null : TargetConfig.hostPort(t.host(), t.port());
  }

  private static List<String> optionsOf(String type) {
    return switch (type) {
      case TestSpec.HTTP -> TestSpec.HTTP_OPTIONS;
      case TestSpec.TCP -> TestSpec.TCP_OPTIONS;
      case TestSpec.UDP -> TestSpec.UDP_OPTIONS;
      case TestSpec.TLS, TestSpec.BANDWIDTH, TestSpec.IPERF3 -> TestSpec.TLS_OPTIONS;
      case TestSpec.POSTGRES -> TestSpec.POSTGRES_OPTIONS;
      case TestSpec.DNS -> TestSpec.DNS_OPTIONS;
      case TestSpec.PORT_SCAN -> TestSpec.PORT_SCAN_OPTIONS;
      case TestSpec.SYSTEM, TestSpec.TRACEROUTE -> TestSpec.SYSTEM_OPTIONS;
      case TestSpec.PING, TestSpec.EXTENDED_PING -> TestSpec.PING_OPTIONS;
      case TestSpec.SCRIPT -> TestSpec.SCRIPT_OPTIONS;
      default -> List.of();
    };
  }

  /** The type-specific options a spec sets, under their YAML names. */
  private static Map<String, Object> setOptions(TestSpec s) {
    Map<String, Object> set = new LinkedHashMap<>();
    putIfSet(set, "url", s.url());
    putIfSet(set, "expect_status", s.expectStatus());
    putIfSet(set, "insecure_skip_verify", s.insecureSkipVerify());
    putIfSet(set, "port", s.port());
    putIfSet(set, "packets", s.packets());
    putIfSet(set, "packet_interval_ms", s.packetIntervalMs());
    putIfSet(set, "reply_timeout_ms", s.replyTimeoutMs());
    putIfSet(set, "query", s.query());
    putIfSet(set, "record_type", s.recordType());
    putIfSet(set, "ports", s.ports());
    putIfSet(set, "script", s.script());
    putIfSet(set, "threshold", s.threshold());
    return set;
  }

  private static void putIfSet(Map<String, Object> set, String name, Object value) {
    if (value != null) {
      set.put(name, value);
    }
  }

  private static boolean validInterval(double seconds) {
    return seconds > 0 && !Double.isInfinite(seconds);
  }

  private static boolean validPort(int port) {
    return port >= 1 && port <= 65535;
  }

  private static boolean validHost(String host) {
    return !host.isBlank() && !host.contains("://") && !host.matches(".*[\\s/|].*");
  }

  private static boolean validHttpUrl(String url) {
    try {
      URI uri = new URI(url);
      String scheme = uri.getScheme();
      return ("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme))
          && uri.getHost() != null;
    } catch (URISyntaxException e) {
      return false;
    }
  }

  private static String idRule(String value) {
    return "must be 1-128 characters without spaces or '|' (got " + quote(value) + ")";
  }

  private static String quote(String s) {
    return s == null ? "nothing" : "\"" + s + "\"";
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
