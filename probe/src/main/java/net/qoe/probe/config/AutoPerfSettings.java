package net.qoe.probe.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import net.qoe.kafka.Topics;

/**
 * The probe's side of AutoPerf, in the spirit of the seed's {@code autoperf.yml}: whether the probe
 * listens for tier commands, the secret they are signed with, and the suite, cadence and limits of
 * tiers 2 and 3.
 *
 * <pre>
 * autoperf:
 *   enabled: true
 *   command_secret: ...            # or QOE_COMMAND_SECRET
 *   tier2:
 *     interval: 60                 # seconds between two runs of the suite
 *     tests: [extended_ping, mtr, iperf3_quick, port_scan, ssl_check, http_trace]
 *   tier3:
 *     interval: 120
 *     tests: [iperf3_full, mtr_extended, packet_capture, system_diagnostics, application_tests]
 *   resource_limits:
 *     tier2: {test_timeout: 60s, max_concurrent: 2}
 *     tier3: {test_timeout: 300s, max_concurrent: 1}
 * </pre>
 *
 * @param enabled whether the probe consumes tier commands at all
 * @param commandSecret the HMAC secret shared with the job; null refuses every command
 * @param commandsTopic where the job publishes commands
 * @param stateFile where accepted command ids and tiers in force survive a restart; null: memory
 * @param replayMemory how many accepted command ids are remembered at most
 * @param packetCapture whether packet_capture may run (it needs tcpdump and privileges)
 * @param tier2 the tier-2 suite
 * @param tier3 the tier-3 suite
 */
public record AutoPerfSettings(
    boolean enabled,
    String commandSecret,
    String commandsTopic,
    String stateFile,
    int replayMemory,
    boolean packetCapture,
    TierSuite tier2,
    TierSuite tier3) {

  public static final String ENV_ENABLED = "AUTOPERF_ENABLED";
  public static final String ENV_COMMAND_SECRET = "QOE_COMMAND_SECRET";
  public static final int DEFAULT_REPLAY_MEMORY = 10_000;
  public static final int MIN_SECRET_BYTES = 16;

  /** The seed's tier-2 tests. */
  public static final List<String> SEED_TIER2 =
      List.of("extended_ping", "mtr", "iperf3_quick", "port_scan", "ssl_check", "http_trace");

  /** The seed's tier-3 tests. */
  public static final List<String> SEED_TIER3 =
      List.of(
          "iperf3_full",
          "mtr_extended",
          "packet_capture",
          "system_diagnostics",
          "application_tests");

  /**
   * The names a suite may list, with the probe test each one runs. {@code application_tests} stands
   * for the tier's custom script tests, which are listed as {@code {name, script}}.
   */
  public static final Map<String, String> SUITE_TESTS = suiteTests();

  private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");
  private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9._-]{1,64}");

  public AutoPerfSettings {
    commandsTopic = commandsTopic == null ? Topics.COMMANDS : commandsTopic;
    tier2 = tier2 == null ? TierSuite.seed(2) : tier2;
    tier3 = tier3 == null ? TierSuite.seed(3) : tier3;
  }

  /** AutoPerf off. */
  public static AutoPerfSettings disabled() {
    return new AutoPerfSettings(false, null, null, null, DEFAULT_REPLAY_MEMORY, false, null, null);
  }

  /** On, with the seed's suites and the given secret. */
  public static AutoPerfSettings seedDefaults(String secret) {
    return new AutoPerfSettings(true, secret, null, null, DEFAULT_REPLAY_MEMORY, false, null, null);
  }

  public TierSuite suite(int tier) {
    return switch (tier) {
      case 2 -> tier2;
      case 3 -> tier3;
      default -> null;
    };
  }

  public boolean hasSecret() {
    return commandSecret != null && !commandSecret.isEmpty();
  }

  public AutoPerfSettings withSecret(String secret) {
    return new AutoPerfSettings(
        enabled, secret, commandsTopic, stateFile, replayMemory, packetCapture, tier2, tier3);
  }

  public AutoPerfSettings withEnabled(boolean on) {
    return new AutoPerfSettings(
        on, commandSecret, commandsTopic, stateFile, replayMemory, packetCapture, tier2, tier3);
  }

  /** One message per bad field, path first. */
  void check(List<String> problems) {
    String p = "autoperf.";
    if (commandSecret != null
        && !commandSecret.isEmpty()
        && commandSecret.getBytes(StandardCharsets.UTF_8).length < MIN_SECRET_BYTES) {
      problems.add(
          p
              + "command_secret: must be at least "
              + MIN_SECRET_BYTES
              + " bytes (the job refuses shorter ones too)");
    }
    if (!TOPIC.matcher(commandsTopic).matches()) {
      problems.add(
          p
              + "commands_topic: must be 1-249 letters, digits, '.', '_' or '-' (got \""
              + commandsTopic
              + "\")");
    }
    if (stateFile != null && stateFile.isBlank()) {
      problems.add(p + "state_file: must be a file path when set");
    }
    if (replayMemory < 100 || replayMemory > 1_000_000) {
      problems.add(p + "replay_memory: must be 100-1000000 (got " + replayMemory + ")");
    }
    tier2.check(p + "tier2", problems);
    tier3.check(p + "tier3", problems);
  }

  /**
   * One tier's suite and limits.
   *
   * @param enabled false: commands to this tier are honoured but run no tests
   * @param intervalS seconds between two runs of the suite
   * @param testTimeoutMs the budget of each test of the suite
   * @param maxConcurrent tests of this tier running at once, over all targets
   * @param tests what runs, in order
   */
  public record TierSuite(
      boolean enabled,
      double intervalS,
      int testTimeoutMs,
      int maxConcurrent,
      List<SuiteTest> tests) {

    public TierSuite {
      tests = tests == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(tests));
    }

    /** The seed's suite: tier 2 every minute, 60 s per test; tier 3 every 2 min, 300 s. */
    public static TierSuite seed(int tier) {
      List<String> names = tier == 2 ? SEED_TIER2 : SEED_TIER3;
      return new TierSuite(
          true,
          tier == 2 ? 60 : 120,
          tier == 2 ? 60_000 : 300_000,
          tier == 2 ? 2 : 1,
          names.stream().map(SuiteTest::named).toList());
    }

    void check(String path, List<String> problems) {
      if (!(intervalS > 0) || Double.isInfinite(intervalS)) {
        problems.add(
            path + ".interval: must be a positive number of seconds (got " + intervalS + ")");
      }
      if (testTimeoutMs <= 0) {
        problems.add(
            "autoperf.resource_limits."
                + path.substring(path.lastIndexOf('.') + 1)
                + ".test_timeout: must be a positive duration (got "
                + testTimeoutMs
                + " ms)");
      }
      if (maxConcurrent < 1 || maxConcurrent > 64) {
        problems.add(
            "autoperf.resource_limits."
                + path.substring(path.lastIndexOf('.') + 1)
                + ".max_concurrent: must be 1-64 (got "
                + maxConcurrent
                + ")");
      }
      for (int i = 0; i < tests.size(); i++) {
        SuiteTest t = tests.get(i);
        String at = path + ".tests[" + i + "]";
        if (t == null) {
          problems.add(at + ": empty entry");
          continue;
        }
        if (t.name() == null || !NAME.matcher(t.name()).matches()) {
          problems.add(at + ".name: required, 1-64 letters, digits, '.', '_' or '-'");
          continue;
        }
        if (t.script() == null && !SUITE_TESTS.containsKey(t.name())) {
          problems.add(
              at
                  + ".name: unknown test \""
                  + t.name()
                  + "\" (known: "
                  + String.join(", ", SUITE_TESTS.keySet())
                  + "; a custom test gives a script)");
        }
        if (t.script() != null && t.script().isBlank()) {
          problems.add(at + ".script: must be the path of an executable");
        }
        if (t.timeoutMs() != null && t.timeoutMs() <= 0) {
          problems.add(at + ".timeout: must be a positive duration");
        }
        if (t.port() != null && (t.port() < 1 || t.port() > 65535)) {
          problems.add(at + ".port: must be 1-65535 (got " + t.port() + ")");
        }
        if (t.packets() != null && (t.packets() < 1 || t.packets() > 1000)) {
          problems.add(at + ".packets: must be 1-1000 (got " + t.packets() + ")");
        }
        if (t.cycles() != null && (t.cycles() < 1 || t.cycles() > 1000)) {
          problems.add(at + ".cycles: must be 1-1000 (got " + t.cycles() + ")");
        }
        if (t.durationS() != null && !(t.durationS() > 0 && t.durationS() <= 3600)) {
          problems.add(at + ".duration: must be more than 0 and at most 3600 s");
        }
      }
    }
  }

  /**
   * One test of a suite: a name from {@link #SUITE_TESTS} or a custom script test.
   *
   * @param name seed name (extended_ping, mtr, iperf3_quick, ...) or the custom test's name
   * @param script custom tests: the executable printing one JSON object
   * @param timeoutMs this test's budget, when it differs from the tier's test_timeout
   * @param port bandwidth, ssl_check: the port, when the target's configuration does not say
   * @param packets extended_ping: packets per run
   * @param cycles mtr: report cycles
   * @param durationS iperf3_quick/iperf3_full: seconds of sending
   * @param ports port_scan: ports to try
   * @param threshold custom tests: upper limits per metric
   */
  public record SuiteTest(
      String name,
      String script,
      Integer timeoutMs,
      Integer port,
      Integer packets,
      Integer cycles,
      Double durationS,
      List<Integer> ports,
      Map<String, Double> threshold) {

    public static SuiteTest named(String name) {
      return new SuiteTest(name, null, null, null, null, null, null, null, null);
    }

    /** The probe test this runs: a type of {@link TestSpec#TYPES}. */
    public String type() {
      return script != null ? TestSpec.SCRIPT : SUITE_TESTS.get(name);
    }
  }

  private static Map<String, String> suiteTests() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("extended_ping", TestSpec.EXTENDED_PING);
    m.put("ping", TestSpec.PING);
    m.put("mtr", TestSpec.TRACEROUTE);
    m.put("mtr_extended", TestSpec.TRACEROUTE);
    m.put("traceroute", TestSpec.TRACEROUTE);
    m.put("iperf3_quick", TestSpec.BANDWIDTH);
    m.put("iperf3_full", TestSpec.BANDWIDTH);
    m.put("bandwidth", TestSpec.BANDWIDTH);
    m.put("port_scan", TestSpec.PORT_SCAN);
    m.put("ssl_check", TestSpec.TLS);
    m.put("tls", TestSpec.TLS);
    m.put("http_trace", TestSpec.HTTP);
    m.put("http", TestSpec.HTTP);
    m.put("tcp_connect", TestSpec.TCP);
    m.put("system_diagnostics", TestSpec.SYSTEM);
    m.put("system", TestSpec.SYSTEM);
    m.put("packet_capture", "packet_capture");
    m.put("application_tests", TestSpec.SCRIPT);
    return Collections.unmodifiableMap(m);
  }

  /** For validation of webhook URLs. */
  static boolean httpUrl(String url) {
    try {
      URI uri = new URI(url);
      return ("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()))
          && uri.getHost() != null;
    } catch (URISyntaxException e) {
      return false;
    }
  }
}
