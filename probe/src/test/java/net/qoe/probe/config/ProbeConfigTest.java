package net.qoe.probe.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProbeConfigTest {

  private static final String MINIMAL =
      """
      probe_id: probe-a
      targets:
        - host: 127.0.0.1
          port: 2000
          tests: [udp]
      """;

  @Test
  void readsTheExampleFileAndCompletesItFromTheDefaults() throws IOException {
    ProbeConfig config = ProbeConfig.fromYaml(resource("/probe-example.yml")).build();

    assertThat(config.probeId()).isEqualTo("probe-lab-1");
    assertThat(config.kafka()).isEqualTo(new KafkaSettings("localhost:9092", "qoe.measurements"));
    assertThat(config.concurrency()).isEqualTo(4);
    assertThat(config.autoperf().enabled()).isFalse();
    assertThat(config.autoperf().tier2().intervalS()).isEqualTo(60.0);
    assertThat(config.autoperf().tier3().maxConcurrent()).isEqualTo(1);
    assertThat(config.targets())
        .extracting(TargetConfig::name)
        .containsExactly("web-1", "intranet", "responder-1");

    TargetConfig intranet = config.target("intranet");
    TestSpec implicitUrl = intranet.tests().get(0);
    assertThat(implicitUrl.url()).isEqualTo("http://intranet.example.net:8443/");
    assertThat(implicitUrl.interval()).isEqualTo(Duration.ofSeconds(60));
    assertThat(implicitUrl.timeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(intranet.tests().get(1).skipsTlsVerification()).isTrue();
    assertThat(intranet.tests().get(2))
        .satisfies(
            tcp -> {
              assertThat(tcp.type()).isEqualTo("tcp");
              assertThat(tcp.port()).as("inherited from the target").isEqualTo(8443);
              assertThat(tcp.interval()).isEqualTo(Duration.ofSeconds(30));
            });

    TestSpec udp = config.target("responder-1").tests().get(0);
    assertThat(udp.port()).isEqualTo(2000);
    assertThat(udp.packets()).isEqualTo(50);
    assertThat(udp.packetIntervalMs()).isEqualTo(20);
    assertThat(udp.replyTimeoutMs()).isEqualTo(1000);
  }

  @Test
  void reportsEveryBadFieldAtOnce() {
    String yaml =
        """
        kafka:
          bootstrap_servers: "localhost"
        defaults:
          interval_s: -5
        concurrency: 0
        targets:
          - name: web-1
            host: web.example.com
            tests:
              - type: http
                expected_status: [200]
              - type: http
                url: ftp://web.example.com/
          - name: web-1
            host: db.example.com
            port: 70000
            tests:
              - type: icmp
              - type: udp
                packets: ten
              - type: tcp
                url: http://db.example.com/
          - name: nohost
            tests:
              - tcp
        """;

    assertThatThrownBy(() -> ProbeConfig.fromYaml(yaml).build())
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(e.problems())
                    .containsExactlyInAnyOrder(
                        "targets[0].tests[0].expected_status: unknown field (known here: "
                            + "expect_status, insecure_skip_verify, interval_s, packet_interval_ms, "
                            + "packets, port, ports, query, record_type, reply_timeout_ms, script, "
                            + "threshold, timeout_ms, type, url)",
                        "targets[1].tests[1].packets: must be a whole number (got \"ten\")",
                        "probe_id: required (set it in the config file, QOE_PROBE_ID or --probe-id)",
                        "kafka.bootstrap_servers: \"localhost\" is not host:port",
                        "defaults.interval_s: must be a positive number of seconds (got -5.0)",
                        "concurrency: must be between 1 and 256 (got 0)",
                        "targets[0].tests[1].url: must be an http or https URL "
                            + "(got \"ftp://web.example.com/\")",
                        "targets[1].port: must be 1-65535 (got 70000)",
                        "targets[1].tests[0].type: unknown test type \"icmp\" (known: http, tcp, udp, tls, dns, port_scan, system, ping, extended_ping, script, traceroute, bandwidth, iperf3, postgres)",
                        "targets[1].tests[2].url: not an option of tcp tests (they take: port)",
                        "targets[1].name: \"web-1\" is already used by targets[0]",
                        "targets[2].host: required by the tcp test at tests[0]",
                        "targets[2].tests[0].port: required (set it on the test or on the target)"));
  }

  @Test
  void theMessageListsEveryProblemOnItsOwnLine() {
    ConfigException e =
        new ConfigException(List.of("probe_id: required", "targets: at least one target"));

    assertThat(e.getMessage())
        .isEqualTo(
            "invalid probe configuration (2 problems):\n"
                + "  - probe_id: required\n"
                + "  - targets: at least one target");
  }

  @Test
  void environmentOverridesTheFileAndFlagsOverrideTheEnvironment() {
    String yaml =
        """
        probe_id: from-file
        kafka: {bootstrap_servers: "file:9092"}
        defaults: {interval_s: 30}
        targets:
          - host: 127.0.0.1
            port: 2000
            tests: [udp, {type: tcp, interval_s: 5}]
        """;
    Map<String, String> env =
        Map.of(
            "AUTOPERF_INTERVAL", "300",
            "QOE_PROBE_ID", "from-env",
            "QOE_BOOTSTRAP_SERVERS", "env:9092");

    ProbeConfig fromEnv = ProbeConfig.fromYaml(yaml).applyEnv(env).build();

    assertThat(fromEnv.probeId()).isEqualTo("from-env");
    assertThat(fromEnv.kafka().bootstrapServers()).isEqualTo("env:9092");
    assertThat(fromEnv.defaults().intervalS()).isEqualTo(300.0);
    List<TestSpec> tests = fromEnv.targets().get(0).tests();
    assertThat(tests.get(0).interval()).isEqualTo(Duration.ofMinutes(5));
    assertThat(tests.get(1).interval())
        .as("its own interval wins")
        .isEqualTo(Duration.ofSeconds(5));

    ProbeConfig fromFlags =
        ProbeConfig.fromYaml(yaml)
            .applyEnv(env)
            .probeId("from-flag")
            .bootstrapServers("flag:9092")
            .build();

    assertThat(fromFlags.probeId()).isEqualTo("from-flag");
    assertThat(fromFlags.kafka().bootstrapServers()).isEqualTo("flag:9092");
  }

  @Test
  void aBadEnvironmentValueIsReportedByName() {
    assertThatThrownBy(
            () -> ProbeConfig.fromYaml(MINIMAL).applyEnv(Map.of("AUTOPERF_INTERVAL", "5m")).build())
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(e.problems())
                    .containsExactly(
                        "AUTOPERF_INTERVAL: must be a positive number of seconds (got \"5m\")"));
  }

  @Test
  void aUdpRunMustFitInItsTimeout() {
    TestSpec udp = TestSpec.udp().withPackets(50).withPacketIntervalMs(100).withTimeoutMs(3000);

    assertThatThrownBy(
            () ->
                ProbeConfig.builder()
                    .probeId("p")
                    .target(TargetConfig.of("echo", "127.0.0.1", 2000, udp))
                    .build())
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(e.problems())
                    .singleElement()
                    .asString()
                    .startsWith("targets[0].tests[0]: sending 50 packets 100 ms apart")
                    .contains("more than timeout_ms (3000)"));
  }

  @Test
  void aUdpTestThatSetsNoPacketCountSendsFiftyPacketsWithinItsTimeout() {
    TestSpec udp = ProbeConfig.fromYaml(MINIMAL).build().targets().get(0).tests().get(0);

    assertThat(udp.packets()).isEqualTo(TestSpec.DEFAULT_PACKETS).isEqualTo(50);
    assertThat(udp.packetIntervalMs()).isEqualTo(20);
    assertThat(udp.replyTimeoutMs()).isEqualTo(1000);
    // 49 gaps of 20 ms and a second for the last replies: about 2 s of the 5 s default timeout
    assertThat((udp.packets() - 1) * udp.packetIntervalMs() + (long) udp.replyTimeoutMs())
        .isLessThanOrEqualTo(udp.timeout().toMillis())
        .isEqualTo(1980);
  }

  @Test
  void aShortTimeoutSendsFewerDefaultPacketsRatherThanCutTheReplyWait() {
    String yaml =
        """
        probe_id: probe-a
        targets:
          - host: 127.0.0.1
            port: 2000
            tests:
              - {type: udp, timeout_ms: 1000}
              - {type: udp, timeout_ms: 1000, reply_timeout_ms: 800}
              - {type: udp, timeout_ms: 1000, packets: 40}
              - {type: udp, timeout_ms: 3000, packet_interval_ms: 0}
        """;

    List<TestSpec> tests = ProbeConfig.fromYaml(yaml).build().targets().get(0).tests();

    // half the timeout for the replies, the other half holds 26 packets 20 ms apart
    assertThat(tests.get(0).packets()).isEqualTo(26);
    assertThat(tests.get(0).replyTimeoutMs()).isEqualTo(500);
    // a given reply wait is kept whole: 200 ms hold 11 packets
    assertThat(tests.get(1).packets()).isEqualTo(11);
    assertThat(tests.get(1).replyTimeoutMs()).isEqualTo(800);
    // a given packet count is what the user asked for; the reply wait gets what is left
    assertThat(tests.get(2).packets()).isEqualTo(40);
    assertThat(tests.get(2).replyTimeoutMs()).isEqualTo(220);
    // packets sent back to back take no time
    assertThat(tests.get(3).packets()).isEqualTo(50);
    assertThat(tests.get(3).replyTimeoutMs()).isEqualTo(1000);
  }

  @Test
  void isBuiltProgrammaticallyWithTheSameDefaults() {
    ProbeConfig config =
        ProbeConfig.builder()
            .probeId("embedded")
            .defaultIntervalS(0.5)
            .target(TargetConfig.of(null, "127.0.0.1", 8080, TestSpec.http(null), TestSpec.tcp()))
            .build();

    TargetConfig target = config.targets().get(0);
    assertThat(target.name()).isEqualTo("127.0.0.1:8080");
    assertThat(target.tests().get(0).url()).isEqualTo("http://127.0.0.1:8080/");
    assertThat(target.tests().get(0).expectsStatus(302)).isTrue();
    assertThat(target.tests().get(0).expectsStatus(404)).isFalse();
    assertThat(target.tests().get(1).port()).isEqualTo(8080);
    assertThat(target.tests().get(1).interval()).isEqualTo(Duration.ofMillis(500));
    assertThat(target.tests().get(1).timeout()).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void unreadableFilesSayWhy() {
    assertThatThrownBy(() -> ProbeConfig.fromYaml(Path.of("/nonexistent/probe.yml")).build())
        .hasMessageContaining("/nonexistent/probe.yml: no such file");
    assertThatThrownBy(() -> ProbeConfig.fromYaml("").build())
        .hasMessageContaining("(file): empty");
    assertThatThrownBy(() -> ProbeConfig.fromYaml("probe_id: [unclosed").build())
        .hasMessageContaining("(file): not valid YAML at line 1");
    assertThatThrownBy(() -> ProbeConfig.fromYaml("targets:\n  - just a string\n").build())
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(e.problems())
                    .contains("targets[0]: must be a mapping with name, host, port and tests")
                    .noneMatch(p -> p.startsWith("targets[0]: empty")));
  }

  @Test
  void aProbeIdWithTheKeySeparatorIsRejected() {
    assertThatThrownBy(() -> ProbeConfig.fromYaml(MINIMAL).probeId("a|b").build())
        .hasMessageContaining("probe_id: must be 1-128 characters without spaces or '|'");
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = ProbeConfigTest.class.getResourceAsStream(name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
