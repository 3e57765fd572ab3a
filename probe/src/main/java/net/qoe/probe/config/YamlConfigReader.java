package net.qoe.probe.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the YAML file into a {@link ProbeConfig.Builder}, field by field, so that every wrong type
 * and unknown key is reported with its path, all of them, rather than the first one Jackson meets.
 * Whether the values make sense is the builder's job.
 */
final class YamlConfigReader {

  private static final Logger LOG = LoggerFactory.getLogger(YamlConfigReader.class);

  private static final ObjectMapper YAML =
      new ObjectMapper(
          YAMLFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());

  private static final Set<String> ROOT_FIELDS =
      Set.of(
          "probe_id",
          "kafka",
          "defaults",
          "concurrency",
          "targets",
          "spool",
          "status",
          "autoperf",
          "notifications");
  private static final Set<String> AUTOPERF_FIELDS =
      Set.of(
          "enabled",
          "interval",
          "command_secret",
          "commands_topic",
          "state_file",
          "replay_memory",
          "packet_capture",
          "tier1",
          "tier2",
          "tier3",
          "resource_limits",
          "retention",
          "log_level");
  private static final Set<String> TIER_FIELDS =
      Set.of(
          "enabled",
          "interval",
          "tests",
          "thresholds",
          "auto_trigger",
          "require_confirmation",
          "notification");
  private static final Set<String> LIMIT_FIELDS =
      Set.of("test_timeout", "max_concurrent", "cpu_limit", "memory_limit");
  private static final Set<String> SUITE_TEST_FIELDS =
      Set.of(
          "name",
          "script",
          "timeout",
          "port",
          "packets",
          "cycles",
          "duration",
          "ports",
          "threshold");
  private static final Set<String> NOTIFICATION_FIELDS = Set.of("webhook", "webhooks", "email");
  private static final Set<String> WEBHOOK_FIELDS =
      Set.of("enabled", "url", "events", "format", "timeout", "max_retries");
  private static final Set<String> SPOOL_FIELDS = Set.of("dir", "max_bytes");
  private static final Set<String> STATUS_FIELDS = Set.of("port", "bind");
  private static final Set<String> KAFKA_FIELDS = Set.of("bootstrap_servers", "topic");
  private static final Set<String> DEFAULTS_FIELDS = Set.of("interval_s", "timeout_ms");
  private static final Set<String> TARGET_FIELDS = Set.of("name", "host", "port", "tests");
  private static final Set<String> TEST_FIELDS = allTestFields();

  private final ProbeConfig.Builder builder;

  private YamlConfigReader(ProbeConfig.Builder builder) {
    this.builder = builder;
  }

  static void read(String yaml, ProbeConfig.Builder builder) {
    JsonNode root;
    try {
      root = YAML.readTree(yaml);
    } catch (JsonProcessingException e) {
      String where =
          e.getLocation() == null
              ? ""
              : " at line "
                  + e.getLocation().getLineNr()
                  + ", column "
                  + e.getLocation().getColumnNr();
      builder.problem("(file): not valid YAML" + where + ": " + e.getOriginalMessage());
      return;
    }
    new YamlConfigReader(builder).root(root);
  }

  private void root(JsonNode root) {
    if (root == null || root.isMissingNode() || root.isNull()) {
      builder.problem("(file): empty; expected probe_id, kafka, defaults and targets");
      return;
    }
    if (!root.isObject()) {
      builder.problem("(file): must be a mapping with probe_id, kafka, defaults and targets");
      return;
    }
    knownFields(root, "", ROOT_FIELDS);
    builder.probeId(text(root, "probe_id", ""));
    builder.concurrency(integer(root, "concurrency", ""));
    JsonNode kafka = mapping(root, "kafka", "");
    if (kafka != null) {
      knownFields(kafka, "kafka.", KAFKA_FIELDS);
      builder.bootstrapServers(text(kafka, "bootstrap_servers", "kafka."));
      builder.topic(text(kafka, "topic", "kafka."));
    }
    JsonNode defaults = mapping(root, "defaults", "");
    if (defaults != null) {
      knownFields(defaults, "defaults.", DEFAULTS_FIELDS);
      builder.defaultIntervalS(number(defaults, "interval_s", "defaults."));
      builder.defaultTimeoutMs(integer(defaults, "timeout_ms", "defaults."));
    }
    JsonNode spool = mapping(root, "spool", "");
    if (spool != null) {
      knownFields(spool, "spool.", SPOOL_FIELDS);
      Double max = number(spool, "max_bytes", "spool.");
      builder.spool(text(spool, "dir", "spool."), max == null ? null : max.longValue());
    }
    JsonNode status = mapping(root, "status", "");
    if (status != null) {
      knownFields(status, "status.", STATUS_FIELDS);
      builder.status(integer(status, "port", "status."), text(status, "bind", "status."));
    }
    JsonNode autoperf = mapping(root, "autoperf", "");
    if (autoperf != null) {
      builder.autoperf(autoperf(autoperf));
    }
    JsonNode notifications = mapping(root, "notifications", "");
    if (notifications != null) {
      knownFields(notifications, "notifications.", NOTIFICATION_FIELDS);
      for (String key : List.of("webhook", "webhooks")) {
        JsonNode hooks = notifications.get(key);
        if (hooks == null || hooks.isNull()) {
          continue;
        }
        if (hooks.isObject()) {
          builder.webhook(webhook(hooks, "notifications." + key));
        } else if (hooks.isArray()) {
          for (int i = 0; i < hooks.size(); i++) {
            String at = "notifications." + key + "[" + i + "]";
            if (hooks.get(i).isObject()) {
              builder.webhook(webhook(hooks.get(i), at));
            } else {
              builder.problem(at + ": must be a mapping with url, format and events");
            }
          }
        } else {
          builder.problem("notifications." + key + ": must be a mapping or a list of mappings");
        }
      }
    }
    JsonNode targets = root.get("targets");
    if (targets == null || targets.isNull()) {
      return; // "at least one target" is reported by the builder
    }
    if (!targets.isArray()) {
      builder.problem("targets: must be a list of targets");
      return;
    }
    for (int i = 0; i < targets.size(); i++) {
      builder.target(target(targets.get(i), "targets[" + i + "]"));
    }
  }

  private AutoPerfSettings autoperf(JsonNode node) {
    String p = "autoperf.";
    knownFields(node, p, AUTOPERF_FIELDS);
    Boolean enabled = bool(node, "enabled", p);
    Integer replay = integer(node, "replay_memory", p);
    Boolean capture = bool(node, "packet_capture", p);
    JsonNode limits = mapping(node, "resource_limits", p);
    if (limits != null) {
      knownFields(limits, p + "resource_limits.", Set.of("tier1", "tier2", "tier3"));
    }
    return new AutoPerfSettings(
        enabled == null || enabled,
        text(node, "command_secret", p),
        text(node, "commands_topic", p),
        text(node, "state_file", p),
        replay == null ? AutoPerfSettings.DEFAULT_REPLAY_MEMORY : replay,
        capture != null && capture,
        suite(node, limits, 2),
        suite(node, limits, 3));
  }

  private AutoPerfSettings.TierSuite suite(JsonNode autoperf, JsonNode limits, int tier) {
    AutoPerfSettings.TierSuite seed = AutoPerfSettings.TierSuite.seed(tier);
    String name = "tier" + tier;
    String p = "autoperf." + name + ".";
    JsonNode node = mapping(autoperf, name, "autoperf.");
    Boolean enabled = null;
    Double interval = null;
    List<AutoPerfSettings.SuiteTest> tests = seed.tests();
    if (node != null) {
      knownFields(node, p, TIER_FIELDS);
      enabled = bool(node, "enabled", p);
      interval = seconds(node, "interval", p);
      JsonNode list = node.get("tests");
      if (list != null && !list.isNull()) {
        if (list.isArray()) {
          List<AutoPerfSettings.SuiteTest> read = new ArrayList<>();
          for (int i = 0; i < list.size(); i++) {
            AutoPerfSettings.SuiteTest t = suiteTest(list.get(i), p + "tests[" + i + "]");
            if (t != null) {
              read.add(t);
            }
          }
          tests = read;
        } else {
          builder.problem(p + "tests: must be a list of test names or {name: ..., script: ...}");
        }
      }
    }
    Double timeout = null;
    Integer concurrent = null;
    JsonNode limit = limits == null ? null : mapping(limits, name, "autoperf.resource_limits.");
    if (limit != null) {
      String lp = "autoperf.resource_limits." + name + ".";
      knownFields(limit, lp, LIMIT_FIELDS);
      timeout = seconds(limit, "test_timeout", lp);
      concurrent = integer(limit, "max_concurrent", lp);
      for (String unenforced : List.of("cpu_limit", "memory_limit")) {
        if (limit.hasNonNull(unenforced)) {
          LOG.warn(
              "{}{}: read for compatibility with autoperf.yml but not enforced (one JVM cannot cap"
                  + " a single test's CPU or memory); test_timeout and max_concurrent bound a"
                  + " tier's tests",
              lp,
              unenforced);
        }
      }
    }
    return new AutoPerfSettings.TierSuite(
        enabled == null ? seed.enabled() : enabled,
        interval == null ? seed.intervalS() : interval,
        timeout == null ? seed.testTimeoutMs() : (int) Math.round(timeout * 1000),
        concurrent == null ? seed.maxConcurrent() : concurrent,
        tests);
  }

  private AutoPerfSettings.SuiteTest suiteTest(JsonNode node, String path) {
    if (node.isTextual()) {
      return AutoPerfSettings.SuiteTest.named(node.textValue());
    }
    if (!node.isObject()) {
      builder.problem(path + ": must be a test name or a mapping like {name: ..., script: ...}");
      return null;
    }
    String p = path + ".";
    knownFields(node, p, SUITE_TEST_FIELDS);
    Double timeout = seconds(node, "timeout", p);
    String name = text(node, "name", p);
    if (name == null) {
      builder.problem(p + "name: required");
      return null;
    }
    return new AutoPerfSettings.SuiteTest(
        name,
        text(node, "script", p),
        timeout == null ? null : (int) Math.round(timeout * 1000),
        integer(node, "port", p),
        integer(node, "packets", p),
        integer(node, "cycles", p),
        seconds(node, "duration", p),
        integerList(node, "ports", p),
        numberMap(node, "threshold", p));
  }

  private WebhookSettings webhook(JsonNode node, String path) {
    String p = path + ".";
    knownFields(node, p, WEBHOOK_FIELDS);
    Boolean enabled = bool(node, "enabled", p);
    Double timeout = seconds(node, "timeout", p);
    Integer retries = integer(node, "max_retries", p);
    List<String> events = null;
    JsonNode list = node.get("events");
    if (list != null && !list.isNull()) {
      if (list.isArray()) {
        events = new ArrayList<>();
        for (JsonNode e : list) {
          events.add(e.asText());
        }
      } else {
        builder.problem(p + "events: must be a list such as [tier_escalation, tier_deescalation]");
      }
    }
    return new WebhookSettings(
        enabled == null || enabled,
        text(node, "url", p),
        text(node, "format", p),
        events,
        timeout == null ? WebhookSettings.DEFAULT_TIMEOUT_MS : (int) Math.round(timeout * 1000),
        retries == null ? WebhookSettings.DEFAULT_MAX_RETRIES : retries);
  }

  /** Seconds, as the seed writes them: 300, 2.5, "30s", "500ms", "5m". */
  private Double seconds(JsonNode parent, String field, String prefix) {
    JsonNode node = parent.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    if (node.isNumber()) {
      return node.doubleValue();
    }
    if (node.isTextual()) {
      java.util.regex.Matcher m =
          java.util.regex.Pattern.compile("\\s*([0-9]+(?:\\.[0-9]+)?)\\s*(ms|s|m|h)?\\s*")
              .matcher(node.textValue());
      if (m.matches()) {
        double v = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return switch (unit) {
          case "ms" -> v / 1000;
          case "m" -> v * 60;
          case "h" -> v * 3600;
          default -> v;
        };
      }
    }
    builder.problem(
        prefix
            + field
            + ": must be seconds or a duration like 30s, 500ms, 5m (got "
            + show(node)
            + ")");
    return null;
  }

  private TargetConfig target(JsonNode node, String path) {
    if (!node.isObject()) {
      builder.problem(path + ": must be a mapping with name, host, port and tests");
      return null;
    }
    knownFields(node, path + ".", TARGET_FIELDS);
    List<TestSpec> tests = new ArrayList<>();
    JsonNode list = node.get("tests");
    if (list != null && !list.isNull()) {
      if (list.isArray()) {
        for (int j = 0; j < list.size(); j++) {
          tests.add(test(list.get(j), path + ".tests[" + j + "]"));
        }
      } else {
        builder.problem(path + ".tests: must be a list of tests");
      }
    }
    return new TargetConfig(
        text(node, "name", path + "."),
        text(node, "host", path + "."),
        integer(node, "port", path + "."),
        tests);
  }

  private TestSpec test(JsonNode node, String path) {
    // "- tcp" is short for "- {type: tcp}", as in the seed's lists of test names.
    if (node.isTextual()) {
      return TestSpec.ofType(node.textValue());
    }
    if (!node.isObject()) {
      builder.problem(path + ": must be a test name or a mapping like {type: http, url: ...}");
      return null;
    }
    knownFields(node, path + ".", TEST_FIELDS);
    String p = path + ".";
    return new TestSpec(
        text(node, "type", p),
        number(node, "interval_s", p),
        integer(node, "timeout_ms", p),
        text(node, "url", p),
        integerList(node, "expect_status", p),
        bool(node, "insecure_skip_verify", p),
        integer(node, "port", p),
        integer(node, "packets", p),
        integer(node, "packet_interval_ms", p),
        integer(node, "reply_timeout_ms", p),
        text(node, "query", p),
        text(node, "record_type", p),
        integerList(node, "ports", p),
        text(node, "script", p),
        numberMap(node, "threshold", p));
  }

  // --- typed field access: null when absent or wrong (the latter reported) ---------------

  private JsonNode mapping(JsonNode parent, String field, String prefix) {
    JsonNode node = parent.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isObject()) {
      builder.problem(prefix + field + ": must be a mapping");
      return null;
    }
    return node;
  }

  private String text(JsonNode parent, String field, String prefix) {
    JsonNode node = parent.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    if (node.isTextual() || node.isNumber()) {
      return node.asText();
    }
    builder.problem(prefix + field + ": must be a string");
    return null;
  }

  private Integer integer(JsonNode parent, String field, String prefix) {
    JsonNode node = parent.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    if (node.isIntegralNumber() && node.canConvertToInt()) {
      return node.intValue();
    }
    builder.problem(prefix + field + ": must be a whole number (got " + show(node) + ")");
    return null;
  }

  private Double number(JsonNode parent, String field, String prefix) {
    JsonNode node = parent.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    if (node.isNumber()) {
      return node.doubleValue();
    }
    builder.problem(prefix + field + ": must be a number (got " + show(node) + ")");
    return null;
  }

  private Boolean bool(JsonNode parent, String field, String prefix) {
    JsonNode node = parent.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    if (node.isBoolean()) {
      return node.booleanValue();
    }
    builder.problem(prefix + field + ": must be true or false (got " + show(node) + ")");
    return null;
  }

  private java.util.Map<String, Double> numberMap(JsonNode parent, String field, String prefix) {
    JsonNode node = parent.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isObject()) {
      builder.problem(prefix + field + ": must be a mapping of metric names to numbers");
      return null;
    }
    java.util.Map<String, Double> out = new java.util.LinkedHashMap<>();
    Iterator<String> names = node.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      JsonNode value = node.get(name);
      if (value.isNumber()) {
        out.put(name, value.doubleValue());
      } else {
        builder.problem(prefix + field + "." + name + ": must be a number");
      }
    }
    return out;
  }

  private List<Integer> integerList(JsonNode parent, String field, String prefix) {
    JsonNode node = parent.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    if (node.isIntegralNumber() && node.canConvertToInt()) {
      return List.of(node.intValue()); // a single status needs no brackets
    }
    if (!node.isArray()) {
      builder.problem(
          prefix + field + ": must be a list of whole numbers (got " + show(node) + ")");
      return null;
    }
    List<Integer> values = new ArrayList<>();
    for (int i = 0; i < node.size(); i++) {
      JsonNode item = node.get(i);
      if (item.isIntegralNumber() && item.canConvertToInt()) {
        values.add(item.intValue());
      } else {
        builder.problem(
            prefix + field + "[" + i + "]: must be a whole number (got " + show(item) + ")");
      }
    }
    return values;
  }

  private void knownFields(JsonNode node, String prefix, Set<String> known) {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (!known.contains(name)) {
        builder.problem(
            prefix
                + name
                + ": unknown field (known here: "
                + String.join(", ", sorted(known))
                + ")");
      }
    }
  }

  private static List<String> sorted(Set<String> names) {
    return names.stream().sorted().toList();
  }

  private static String show(JsonNode node) {
    return node.isTextual() ? "\"" + node.textValue() + "\"" : node.toString();
  }

  private static Set<String> allTestFields() {
    Set<String> all = new LinkedHashSet<>(TestSpec.COMMON_OPTIONS);
    all.addAll(TestSpec.HTTP_OPTIONS);
    all.addAll(TestSpec.TCP_OPTIONS);
    all.addAll(TestSpec.UDP_OPTIONS);
    all.addAll(TestSpec.TLS_OPTIONS);
    all.addAll(TestSpec.DNS_OPTIONS);
    all.addAll(TestSpec.PORT_SCAN_OPTIONS);
    all.addAll(TestSpec.PING_OPTIONS);
    all.addAll(TestSpec.SCRIPT_OPTIONS);
    all.addAll(TestSpec.POSTGRES_OPTIONS);
    return Set.copyOf(all);
  }
}
