package net.qoe.probe.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The autoperf: and notifications: sections of the probe YAML. */
class AutoPerfConfigTest {

  private static final String TARGETS =
      """
      probe_id: p1
      targets:
        - {name: web, host: example.com, tests: [http]}
      """;

  @Test
  void noSectionMeansOffAndTheSeedsSuitesAreTheDefaults() {
    ProbeConfig c = ProbeConfig.fromYaml(TARGETS).build();
    assertThat(c.autoperf().enabled()).isFalse();
    ProbeConfig on =
        ProbeConfig.fromYaml(TARGETS)
            .applyEnv(Map.of("AUTOPERF_ENABLED", "true", "QOE_COMMAND_SECRET", "0123456789abcdef!"))
            .build();
    assertThat(on.autoperf().enabled()).isTrue();
    assertThat(on.autoperf().commandSecret()).isEqualTo("0123456789abcdef!");
    assertThat(on.autoperf().tier2().tests())
        .extracting(AutoPerfSettings.SuiteTest::name)
        .containsExactlyElementsOf(AutoPerfSettings.SEED_TIER2);
    assertThat(on.autoperf().tier3().testTimeoutMs()).isEqualTo(300_000);
  }

  @Test
  void theSeedsFormatIsRead() {
    ProbeConfig c =
        ProbeConfig.fromYaml(
                TARGETS
                    + """
                    autoperf:
                      enabled: true
                      command_secret: a-secret-of-enough-bytes
                      state_file: /tmp/x.json
                      tier2:
                        interval: 30
                        tests: [http_trace, {name: iperf3_quick, duration: 5s, port: 5201}]
                      tier3:
                        tests:
                          - system_diagnostics
                          - {name: custom_check, script: /app/bins/custom_test.py, timeout: 30, threshold: {latency: 500}}
                      resource_limits:
                        tier2: {cpu_limit: "25%", memory_limit: "100MB", test_timeout: 60s, max_concurrent: 3}
                        tier3: {test_timeout: 5m}
                    notifications:
                      webhook:
                        enabled: true
                        url: https://hooks.slack.com/services/XXX/YYY/ZZZ
                        events: [tier_escalation]
                        format: slack
                    """)
            .build();
    AutoPerfSettings a = c.autoperf();
    assertThat(a.enabled()).isTrue();
    assertThat(a.tier2().intervalS()).isEqualTo(30);
    assertThat(a.tier2().maxConcurrent()).isEqualTo(3);
    assertThat(a.tier2().testTimeoutMs()).isEqualTo(60_000);
    assertThat(a.tier2().tests().get(1).durationS()).isEqualTo(5);
    assertThat(a.tier2().tests().get(1).port()).isEqualTo(5201);
    assertThat(a.tier3().testTimeoutMs()).isEqualTo(300_000);
    assertThat(a.tier3().tests().get(1).type()).isEqualTo(TestSpec.SCRIPT);
    assertThat(a.tier3().tests().get(1).timeoutMs()).isEqualTo(30_000);
    assertThat(c.webhooks())
        .singleElement()
        .satisfies(
            w -> {
              assertThat(w.format()).isEqualTo("slack");
              assertThat(w.events()).containsExactly("tier_escalation");
            });
  }

  @Test
  void everyBadFieldIsReportedWithItsPath() {
    assertThatThrownBy(
            () ->
                ProbeConfig.fromYaml(
                        TARGETS
                            + """
                            autoperf:
                              command_secret: short
                              colour: blue
                              tier2:
                                interval: -1
                                tests: [extended_ping, warp_drive]
                              resource_limits:
                                tier3: {test_timeout: soon, max_concurrent: 0}
                            notifications:
                              webhook: {url: "ftp://x", format: pager, events: [coffee]}
                            """)
                    .build())
        .isInstanceOf(ConfigException.class)
        .satisfies(
            e ->
                assertThat(((ConfigException) e).problems())
                    .anyMatch(
                        p -> p.startsWith("autoperf.command_secret: must be at least 16 bytes"))
                    .anyMatch(p -> p.startsWith("autoperf.colour: unknown field"))
                    .anyMatch(p -> p.startsWith("autoperf.tier2.interval: must be a positive"))
                    .anyMatch(
                        p ->
                            p.startsWith(
                                "autoperf.tier2.tests[1].name: unknown test \"warp_drive\""))
                    .anyMatch(
                        p ->
                            p.startsWith(
                                "autoperf.resource_limits.tier3.test_timeout: must be seconds"))
                    .anyMatch(
                        p ->
                            p.startsWith(
                                "autoperf.resource_limits.tier3.max_concurrent: must be 1-64"))
                    .anyMatch(p -> p.startsWith("notifications.webhook[0].url: must be an http"))
                    .anyMatch(p -> p.startsWith("notifications.webhook[0].format: must be one of"))
                    .anyMatch(
                        p ->
                            p.startsWith(
                                "notifications.webhook[0].events: unknown event \"coffee\"")));
  }
}
