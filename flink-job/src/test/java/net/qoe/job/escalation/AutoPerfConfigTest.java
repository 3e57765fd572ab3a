package net.qoe.job.escalation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import net.qoe.job.config.JobConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AutoPerfConfigTest {

  @TempDir Path dir;

  @Test
  void readsTheSeedFormatIncludingBandwidthInBits() throws Exception {
    Path file = dir.resolve("autoperf.yml");
    Files.writeString(
        file,
        """
        autoperf:
          enabled: true
          interval: 300
          tier1:
            enabled: true
            tests: [ping, http_check, dns_resolve, tcp_connect]
            thresholds:
              ping_latency: 150
              packet_loss: 2
              http_response: 1500
              dns_timeout: 800
          tier2:
            tests: [extended_ping, mtr]
            thresholds:
              bandwidth: 20000000  # 20 Mbps in bits
              jitter: 30
              hop_count: 25
          tier3:
            tests:
              - iperf3_full
              - name: custom_check
                script: /app/bins/custom_test.py
          escalation:
            healthy_windows: 5
            cooldown: 10m
        """);
    AutoPerfConfig c = AutoPerfConfig.load(file, Map.of());
    assertThat(c.pingLatencyMs()).isEqualTo(150);
    assertThat(c.packetLossPct()).isEqualTo(2);
    assertThat(c.httpResponseMs()).isEqualTo(1500);
    assertThat(c.dnsTimeoutMs()).isEqualTo(800);
    assertThat(c.bandwidthMbps()).isEqualTo(20);
    assertThat(c.jitterMs()).isEqualTo(30);
    assertThat(c.hopCount()).isEqualTo(25);
    assertThat(c.sslExpiryDays()).isEqualTo(7);
    assertThat(c.healthyWindowsToDeescalate()).isEqualTo(5);
    assertThat(c.cooldown()).isEqualTo(Duration.ofMinutes(10));
    assertThat(c.tier2Tests()).containsExactly("extended_ping", "mtr");
    assertThat(c.tier3Tests()).containsExactly("iperf3_full", "custom_check");
  }

  @Test
  void environmentOverridesTheFileAndDefaultsAreTheSeeds() {
    AutoPerfConfig c = AutoPerfConfig.load(null, Map.of("AUTOPERF_TIER1_HTTP_RESPONSE", "2500ms"));
    assertThat(c.httpResponseMs()).isEqualTo(2500);
    assertThat(c.pingLatencyMs()).isEqualTo(100);
    assertThat(c.packetLossPct()).isEqualTo(5);
    assertThat(c.dnsTimeoutMs()).isEqualTo(1000);
    assertThat(c.bandwidthMbps()).isEqualTo(10);
    assertThat(c.maxPairsAboveTier1()).isEqualTo(3);
    assertThat(c.maxTier3Dwell()).isEqualTo(Duration.ofMinutes(15));
  }

  @Test
  void reportsEveryBadValue() {
    assertThatThrownBy(
            () ->
                AutoPerfConfig.load(
                    null,
                    Map.of(
                        "AUTOPERF_TIER1_PING_LATENCY", "fast",
                        "AUTOPERF_TIER1_PACKET_LOSS", "-1",
                        "AUTOPERF_ESCALATION_COOLDOWN", "soon")))
        .isInstanceOfSatisfying(
            JobConfig.InvalidConfigException.class,
            e ->
                assertThat(e.problems())
                    .hasSize(3)
                    .anySatisfy(p -> assertThat(p).contains("ping_latency").contains("'fast'"))
                    .anySatisfy(p -> assertThat(p).contains("packet_loss").contains("positive"))
                    .anySatisfy(p -> assertThat(p).contains("cooldown")));
  }

  @Test
  void theBaselineHookIsOnByDefaultAndConfigurableByFileAndEnvironment(@TempDir Path dir)
      throws Exception {
    AutoPerfConfig d = AutoPerfConfig.load(null, Map.of());
    assertThat(d.baselineEnabled()).isTrue();
    assertThat(d.baselineSigma()).isEqualTo(4.0);
    assertThat(d.baselineWindows()).isEqualTo(2);

    Path file = dir.resolve("autoperf.yml");
    Files.writeString(
        file,
        """
        autoperf:
          escalation:
            baseline_sigma: 5
            baseline_windows: 3
        """);
    AutoPerfConfig c = AutoPerfConfig.load(file, Map.of());
    assertThat(c.baselineSigma()).isEqualTo(5.0);
    assertThat(c.baselineWindows()).isEqualTo(3);
    assertThat(
            AutoPerfConfig.load(file, Map.of("AUTOPERF_ESCALATION_BASELINE_SIGMA", "3.5"))
                .baselineSigma())
        .isEqualTo(3.5);

    Files.writeString(file, "autoperf:\n  escalation:\n    baseline_sigma: off\n");
    assertThat(AutoPerfConfig.load(file, Map.of()).baselineEnabled()).isFalse();
    assertThatThrownBy(
            () -> AutoPerfConfig.load(null, Map.of("AUTOPERF_ESCALATION_BASELINE_SIGMA", "lots")))
        .isInstanceOf(JobConfig.InvalidConfigException.class)
        .hasMessageContaining("baseline_sigma");
  }
}
