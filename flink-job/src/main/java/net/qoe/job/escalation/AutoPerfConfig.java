package net.qoe.job.escalation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import net.qoe.job.config.JobConfig;

/**
 * AutoPerf thresholds and escalation policy, read from {@code autoperf.yml} in the seed's format
 * ({@code autoperf.tier1.thresholds.ping_latency: 100} …) with {@code AUTOPERF_*} environment
 * variables over it ({@code AUTOPERF_TIER1_PING_LATENCY=150}). Defaults are the seed's.
 */
public record AutoPerfConfig(
    // tier 1 → 2
    double pingLatencyMs,
    double packetLossPct,
    double httpResponseMs,
    double dnsTimeoutMs,
    // tier 2 → 3
    double bandwidthMbps,
    double jitterMs,
    int hopCount,
    double sslExpiryDays,
    // policy
    int windowsToEscalate,
    int healthyWindowsToDeescalate,
    Duration cooldown,
    Duration maxTier3Dwell,
    int maxPairsAboveTier1,
    int fastPathBreaches,
    Duration commandTtl,
    List<String> tier2Tests,
    List<String> tier3Tests,
    // the baseline hook: a headline this many spreads worse than this hour's baseline ...
    double baselineSigma,
    // ... for this many consecutive windows escalates 1 -> 2 like a tier-1 threshold
    int baselineWindows)
    implements Serializable {

  /** Whether the baseline score takes part in escalation ({@code baseline_sigma: off} disables). */
  public boolean baselineEnabled() {
    return baselineSigma > 0;
  }

  public static AutoPerfConfig defaults() {
    return new AutoPerfConfig(
        100,
        5,
        2000,
        1000,
        10,
        50,
        20,
        7,
        1,
        3,
        Duration.ofMinutes(5),
        Duration.ofMinutes(15),
        3,
        3,
        Duration.ofMinutes(10),
        List.of("extended_ping", "mtr", "iperf3_quick", "port_scan", "ssl_check", "http_trace"),
        List.of(
            "iperf3_full",
            "mtr_extended",
            "packet_capture",
            "system_diagnostics",
            "application_tests"),
        4.0,
        2);
  }

  public List<String> testsFor(int tier) {
    return tier >= 3 ? tier3Tests : tier == 2 ? tier2Tests : List.of();
  }

  /** Reads the file (may be null for defaults only), then applies the environment. */
  public static AutoPerfConfig load(Path file, Map<String, String> env) {
    List<String> problems = new ArrayList<>();
    JsonNode root = null;
    if (file != null) {
      try {
        root = new ObjectMapper(new YAMLFactory()).readTree(Files.readAllBytes(file));
      } catch (IOException e) {
        throw new JobConfig.InvalidConfigException(
            List.of(file + ": cannot read AutoPerf configuration: " + e.getMessage()));
      }
    }
    JsonNode ap = root == null ? null : root.path("autoperf");
    Reader r = new Reader(ap, env, problems);
    AutoPerfConfig d = defaults();
    AutoPerfConfig c =
        new AutoPerfConfig(
            r.positive("tier1", "thresholds", "ping_latency", d.pingLatencyMs),
            r.percent("tier1", "thresholds", "packet_loss", d.packetLossPct),
            r.positive("tier1", "thresholds", "http_response", d.httpResponseMs),
            r.positive("tier1", "thresholds", "dns_timeout", d.dnsTimeoutMs),
            // the seed writes bandwidth in bits per second (10000000 = 10 Mbps)
            r.positive("tier2", "thresholds", "bandwidth", d.bandwidthMbps * 1e6) / 1e6,
            r.positive("tier2", "thresholds", "jitter", d.jitterMs),
            (int) r.positive("tier2", "thresholds", "hop_count", d.hopCount),
            r.positive("tier2", "thresholds", "ssl_expiry", d.sslExpiryDays),
            (int) r.positive("escalation", null, "windows_to_escalate", d.windowsToEscalate),
            (int) r.positive("escalation", null, "healthy_windows", d.healthyWindowsToDeescalate),
            r.duration("escalation", "cooldown", d.cooldown),
            r.duration("escalation", "max_tier3_dwell", d.maxTier3Dwell),
            (int) r.positive("escalation", null, "max_pairs_above_tier1", d.maxPairsAboveTier1),
            (int) r.positive("escalation", null, "fast_path_breaches", d.fastPathBreaches),
            r.duration("escalation", "command_ttl", d.commandTtl),
            r.tests("tier2", d.tier2Tests),
            r.tests("tier3", d.tier3Tests),
            r.sigmaOrOff("escalation", "baseline_sigma", d.baselineSigma),
            (int) r.positive("escalation", null, "baseline_windows", d.baselineWindows));
    if (!problems.isEmpty()) {
      throw new JobConfig.InvalidConfigException(problems);
    }
    return c;
  }

  private record Reader(JsonNode ap, Map<String, String> env, List<String> problems) {

    double positive(String section, String group, String key, double fallback) {
      String envName = ("AUTOPERF_" + section + "_" + key).toUpperCase(Locale.ROOT);
      String where = "autoperf." + section + (group == null ? "" : "." + group) + "." + key;
      String text = env.get(envName);
      JsonNode node = null;
      if (text == null && ap != null) {
        node = group == null ? ap.path(section).path(key) : ap.path(section).path(group).path(key);
        if (node.isMissingNode() || node.isNull()) {
          return fallback;
        }
        text = node.asText();
      }
      if (text == null) {
        return fallback;
      }
      // the seed writes 100ms, 5%, 10Mbps, 7days; accept the number with or without the unit
      String number = text.trim().toLowerCase(Locale.ROOT).replaceAll("(ms|%|days|day|d)$", "");
      try {
        double v = Double.parseDouble(number.trim());
        if (!(v > 0) || Double.isInfinite(v)) {
          problems.add(where + " (" + envName + "): must be a positive number, got '" + text + "'");
          return fallback;
        }
        return v;
      } catch (NumberFormatException e) {
        problems.add(where + " (" + envName + "): '" + text + "' is not a number");
        return fallback;
      }
    }

    /** A positive number of spreads, or {@code off}/{@code false}/{@code 0} for disabled (0). */
    double sigmaOrOff(String section, String key, double fallback) {
      String envName = ("AUTOPERF_" + section + "_" + key).toUpperCase(Locale.ROOT);
      String text = env.get(envName);
      if (text == null && ap != null) {
        JsonNode node = ap.path(section).path(key);
        text = node.isMissingNode() || node.isNull() ? null : node.asText();
      }
      if (text == null) {
        return fallback;
      }
      String t = text.trim().toLowerCase(Locale.ROOT).replaceAll("\\s*(σ|sigma)$", "");
      if (t.equals("off") || t.equals("false") || t.equals("no")) {
        return 0;
      }
      try {
        double v = Double.parseDouble(t);
        if (v < 0 || Double.isNaN(v) || Double.isInfinite(v)) {
          throw new NumberFormatException();
        }
        return v;
      } catch (NumberFormatException e) {
        problems.add(
            "autoperf."
                + section
                + "."
                + key
                + " ("
                + envName
                + "): '"
                + text
                + "' must be a positive number of spreads, or off");
        return fallback;
      }
    }

    double percent(String section, String group, String key, double fallback) {
      double v = positive(section, group, key, fallback);
      if (v > 100) {
        problems.add("autoperf." + section + "." + group + "." + key + ": a percentage above 100");
      }
      return v;
    }

    Duration duration(String section, String key, Duration fallback) {
      String envName = ("AUTOPERF_" + section + "_" + key).toUpperCase(Locale.ROOT);
      String text = env.get(envName);
      if (text == null && ap != null) {
        JsonNode node = ap.path(section).path(key);
        text = node.isMissingNode() || node.isNull() ? null : node.asText();
      }
      if (text == null) {
        return fallback;
      }
      try {
        return JobConfig.parseDuration(text);
      } catch (IllegalArgumentException e) {
        problems.add(
            "autoperf."
                + section
                + "."
                + key
                + " ("
                + envName
                + "): '"
                + text
                + "' is not a duration (e.g. 30s, 5m)");
        return fallback;
      }
    }

    List<String> tests(String tier, List<String> fallback) {
      if (ap == null || !ap.path(tier).path("tests").isArray()) {
        return fallback;
      }
      List<String> names = new ArrayList<>();
      for (JsonNode t : ap.path(tier).path("tests")) {
        // a test is a name, or {name: ..., script: ...} for custom tests
        names.add(t.isTextual() ? t.asText() : t.path("name").asText());
      }
      return List.copyOf(names);
    }
  }
}
