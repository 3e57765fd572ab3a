package net.qoe.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import net.qoe.job.config.JobConfig;
import net.qoe.job.escalation.AutoPerfConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the job's scoring and diagnosis take from its configuration. */
class QoeJobSettingsTest {

  @Test
  void theBandAndTheWarmUpComeFromTheJobConfiguration() {
    QoeJob job =
        new QoeJob(
            JobConfig.fromArgs(
                new String[] {"--baseline-band", "3", "--baseline-warmup", "5"}, Map.of()),
            null,
            null,
            null);
    assertThat(job.baselinePolicy().anomalyScore()).isEqualTo(3.0);
    assertThat(job.baselinePolicy().immediateScore()).isEqualTo(6.0);
    assertThat(job.baselinePolicy().warmupWindows()).isEqualTo(5);

    QoeJob byDefault = new QoeJob(JobConfig.fromArgs(new String[0], Map.of()), null, null, null);
    assertThat(byDefault.baselinePolicy().anomalyScore()).isEqualTo(4.0);
    assertThat(byDefault.baselinePolicy().immediateScore()).isEqualTo(8.0);
  }

  @Test
  void certificatesExpireByTheAutoPerfSslExpiryThreshold(@TempDir Path dir) throws IOException {
    Path autoperf =
        Files.writeString(
            dir.resolve("autoperf.yml"),
            """
            autoperf:
              tier2:
                thresholds:
                  ssl_expiry: 30days
            """);
    JobConfig config =
        JobConfig.fromArgs(new String[] {"--autoperf-config", autoperf.toString()}, Map.of());

    // read from the job's autoperf.yml even without escalation attached
    assertThat(new QoeJob(config, null, null, null).certDays()).isEqualTo(30.0);
    assertThat(new QoeJob(JobConfig.fromArgs(new String[0], Map.of()), null, null, null).certDays())
        .isEqualTo(7.0);
    // with escalation, its policy is the one source
    AutoPerfConfig policy =
        AutoPerfConfig.load(autoperf, Map.of("AUTOPERF_TIER2_SSL_EXPIRY", "14"));
    assertThat(
            new QoeJob(config, null, null, null)
                .withEscalation(new QoeJob.Escalation(policy, null, null))
                .certDays())
        .isEqualTo(14.0);
  }
}
