package net.qoe.job.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JobConfigTest {

  @Test
  void defaultsApplyWhenNothingIsGiven() {
    JobConfig c = JobConfig.fromArgs(new String[0], Map.of());
    assertThat(c.bootstrapServers()).isEqualTo("localhost:9092");
    assertThat(c.window()).isEqualTo(Duration.ofMinutes(1));
    assertThat(c.measurementsTopic()).isEqualTo("qoe.measurements");
    assertThat(c.startingOffsets()).isEqualTo("committed");
    assertThat(c.dedupeTtl()).isEqualTo(Duration.ofHours(24));
  }

  @Test
  void flagsWinOverEnvironmentWhichWinsOverDefaults() {
    JobConfig c =
        JobConfig.fromArgs(
            new String[] {"--window", "10s", "--jdbc-url=jdbc:postgresql://db:5432/qoe"},
            Map.of("QOE_WINDOW", "5m", "QOE_BOOTSTRAP_SERVERS", "kafka:9092"));
    assertThat(c.window()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.jdbcUrl()).isEqualTo("jdbc:postgresql://db:5432/qoe");
    assertThat(c.bootstrapServers()).isEqualTo("kafka:9092");
  }

  @Test
  void reportsEveryBadFieldAtOnce() {
    assertThatThrownBy(
            () ->
                JobConfig.fromArgs(
                    new String[] {
                      "--window",
                      "soon",
                      "--jdbc-url",
                      "mysql://x",
                      "--jdbc-batch-size",
                      "0",
                      "--no-such-flag",
                      "1",
                      "--starting-offsets",
                      "middle"
                    },
                    Map.of()))
        .isInstanceOfSatisfying(
            JobConfig.InvalidConfigException.class,
            e ->
                assertThat(e.problems())
                    .hasSize(5)
                    .anySatisfy(p -> assertThat(p).startsWith("--window (QOE_WINDOW): 'soon'"))
                    .anySatisfy(p -> assertThat(p).contains("not a jdbc:postgresql: URL"))
                    .anySatisfy(p -> assertThat(p).contains("--jdbc-batch-size").contains("zero"))
                    .anySatisfy(p -> assertThat(p).contains("--no-such-flag: unknown option"))
                    .anySatisfy(p -> assertThat(p).contains("'middle' is not one of")));
  }

  @Test
  void parsesHumanAndIsoDurations() {
    assertThat(JobConfig.parseDuration("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(JobConfig.parseDuration("90s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(JobConfig.parseDuration("2h")).isEqualTo(Duration.ofHours(2));
    assertThat(JobConfig.parseDuration("PT1M")).isEqualTo(Duration.ofMinutes(1));
    assertThatThrownBy(() -> JobConfig.parseDuration("5x"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void zeroWindowIsRejected() {
    assertThatThrownBy(() -> JobConfig.fromArgs(new String[] {"--window", "0s"}, Map.of()))
        .hasMessageContaining("--window (QOE_WINDOW): must be greater than zero");
  }
}
