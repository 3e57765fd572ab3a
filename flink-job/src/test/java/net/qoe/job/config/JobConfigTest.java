package net.qoe.job.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
  void byDefaultAWindowWaitsForTheLongestTestARunStampedWithItsStartCanTake() {
    JobConfig c = JobConfig.fromArgs(new String[0], Map.of());
    // a tier-3 run may take its whole 5-minute timeout before it is published
    assertThat(c.allowedLateness()).isGreaterThanOrEqualTo(Duration.ofMinutes(5));
  }

  @Test
  void theBaselineWarmUpIsAPositiveNumberOfWindowsAndScalesItsSampleFloor() {
    JobConfig c = JobConfig.fromArgs(new String[] {"--baseline-warmup", "5"}, Map.of());
    assertThat(c.baselineWarmup()).isEqualTo(5);
    var policy = net.qoe.job.baseline.BaselinePolicy.defaults().withWarmup(c.baselineWarmup());
    assertThat(policy.warmupWindows()).isEqualTo(5);
    assertThat(policy.warmupSamples()).isEqualTo(15);
    assertThat(JobConfig.fromArgs(new String[0], Map.of()).baselineWarmup()).isEqualTo(20);
    assertThatThrownBy(() -> JobConfig.fromArgs(new String[] {"--baseline-warmup", "0"}, Map.of()))
        .hasMessageContaining("--baseline-warmup");
  }

  @Test
  void theBaselineBandComesFromFlagThenEnvironmentThenFileThenDefaultAndIsChecked(@TempDir Path dir)
      throws IOException {
    Path file = write(dir.resolve("job.yml"), "baseline-band: 3.5\n");
    String[] withFile = {"--config", file.toString()};
    assertThat(JobConfig.fromArgs(new String[0], Map.of()).baselineBand()).isEqualTo(4.0);
    assertThat(JobConfig.fromArgs(withFile, Map.of()).baselineBand()).isEqualTo(3.5);
    assertThat(JobConfig.fromArgs(withFile, Map.of("QOE_BASELINE_BAND", "5")).baselineBand())
        .isEqualTo(5.0);
    assertThat(
            JobConfig.fromArgs(
                    new String[] {"--config", file.toString(), "--baseline-band", "6"},
                    Map.of("QOE_BASELINE_BAND", "5"))
                .baselineBand())
        .isEqualTo(6.0);

    assertThatThrownBy(
            () ->
                JobConfig.fromArgs(
                    new String[] {"--baseline-band", "0.5"},
                    Map.of(
                        "QOE_CONFIG",
                        write(dir.resolve("bad.yml"), "baseline-band: x\n").toString())))
        .isInstanceOfSatisfying(
            JobConfig.InvalidConfigException.class,
            e ->
                assertThat(e.problems())
                    .containsExactly("--baseline-band (QOE_BASELINE_BAND): must be from 1 to 20"));
    assertThatThrownBy(
            () ->
                JobConfig.fromArgs(
                    new String[0], Map.of("QOE_CONFIG", dir.resolve("bad.yml").toString())))
        .isInstanceOfSatisfying(
            JobConfig.InvalidConfigException.class,
            e ->
                assertThat(e.problems())
                    .containsExactly(
                        "--baseline-band (QOE_BASELINE_BAND, from "
                            + dir.resolve("bad.yml")
                            + "): 'x' is not a number"));
    assertThatThrownBy(() -> JobConfig.fromArgs(new String[] {"--baseline-band", "NaN"}, Map.of()))
        .hasMessageContaining("--baseline-band (QOE_BASELINE_BAND): must be from 1 to 20");
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

  @Test
  void stateBackendIsHashmapByDefaultAndRocksdbOnRequest() {
    assertThat(JobConfig.fromArgs(new String[0], Map.of()).stateBackend()).isEqualTo("hashmap");
    assertThat(
            JobConfig.fromArgs(new String[] {"--state-backend", "RocksDB"}, Map.of())
                .stateBackend())
        .isEqualTo("rocksdb");
    assertThat(
            JobConfig.fromArgs(new String[0], Map.of("QOE_STATE_BACKEND", "rocksdb"))
                .stateBackend())
        .isEqualTo("rocksdb");
    assertThatThrownBy(
            () -> JobConfig.fromArgs(new String[] {"--state-backend", "memory"}, Map.of()))
        .hasMessageContaining(
            "--state-backend (QOE_STATE_BACKEND): 'memory' is not one of hashmap, rocksdb");
  }

  @Test
  void checkpointDirIsTheClustersUnlessGiven() {
    assertThat(JobConfig.fromArgs(new String[0], Map.of()).checkpointDir()).isEmpty();
    assertThat(
            JobConfig.fromArgs(new String[0], Map.of("QOE_CHECKPOINT_DIR", "file:///ckpt"))
                .checkpointDir())
        .isEqualTo("file:///ckpt");
  }

  @Test
  void yamlFileSetsOptionsUnderEnvironmentAndFlags(@TempDir Path dir) throws IOException {
    Path file =
        write(
            dir.resolve("job.yml"),
            """
            # a comment
            window: 10s
            jdbc-batch-size: 250
            state-backend: rocksdb
            bootstrap-servers: file:9092
            group-id: from-file
            """);
    JobConfig c =
        JobConfig.fromArgs(
            new String[] {"--config", file.toString(), "--group-id", "from-flag"},
            Map.of("QOE_BOOTSTRAP_SERVERS", "env:9092", "QOE_GROUP_ID", "from-env"));
    assertThat(c.window()).isEqualTo(Duration.ofSeconds(10)); // file over default
    assertThat(c.jdbcBatchSize()).isEqualTo(250);
    assertThat(c.stateBackend()).isEqualTo("rocksdb");
    assertThat(c.bootstrapServers()).isEqualTo("env:9092"); // environment over file
    assertThat(c.groupId()).isEqualTo("from-flag"); // flag over environment and file
    assertThat(c.dedupeTtl()).isEqualTo(Duration.ofHours(24)); // default when nobody sets it
  }

  @Test
  void propertiesFileNamedByTheEnvironment(@TempDir Path dir) throws IOException {
    Path file =
        write(
            dir.resolve("job.properties"),
            """
            # same keys as the flags
            window = 30s
            measurements-topic: other.topic
            jdbc-password=
            """);
    JobConfig c = JobConfig.fromArgs(new String[0], Map.of("QOE_CONFIG", file.toString()));
    assertThat(c.window()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.measurementsTopic()).isEqualTo("other.topic");
    assertThat(c.jdbcPassword()).isEmpty();
  }

  @Test
  void everyBadKeyAndValueInTheFileIsReportedAtOnceWithTheFlagProblems(@TempDir Path dir)
      throws IOException {
    Path file =
        write(
            dir.resolve("job.yaml"),
            """
            window: soon
            jdbc-batch-size: -3
            windw: 10s
            state-backend: memory
            topics:
              - a
            """);
    assertThatThrownBy(
            () ->
                JobConfig.fromArgs(
                    new String[] {"--config", file.toString(), "--idleness", "x"}, Map.of()))
        .isInstanceOfSatisfying(
            JobConfig.InvalidConfigException.class,
            e ->
                assertThat(e.problems())
                    .hasSize(6)
                    .anySatisfy(
                        p ->
                            assertThat(p)
                                .isEqualTo(
                                    "--window (QOE_WINDOW, from "
                                        + file
                                        + "): 'soon' is not a duration (e.g. 500ms, 10s, 1m)"))
                    .anySatisfy(
                        p -> assertThat(p).contains("--jdbc-batch-size").contains("from " + file))
                    .anySatisfy(
                        p -> assertThat(p).isEqualTo(file + ": unknown key 'windw' (see --help)"))
                    .anySatisfy(p -> assertThat(p).contains("'memory' is not one of"))
                    .anySatisfy(p -> assertThat(p).contains("'topics' must be a single value"))
                    .anySatisfy(p -> assertThat(p).startsWith("--idleness (QOE_IDLENESS): 'x'")));
  }

  @Test
  void missingOrBrokenFilesAreReported(@TempDir Path dir) throws IOException {
    assertThatThrownBy(
            () ->
                JobConfig.fromArgs(
                    new String[] {"--config", dir.resolve("nope.yml").toString()}, Map.of()))
        .hasMessageContaining("--config: cannot read " + dir.resolve("nope.yml"));
    Path broken = write(dir.resolve("broken.yml"), "window: [10s\n");
    assertThatThrownBy(
            () -> JobConfig.fromArgs(new String[] {"--config", broken.toString()}, Map.of()))
        .hasMessageContaining(broken + ": not valid YAML");
    Path twice = write(dir.resolve("twice.yml"), "window: 10s\nwindow: 20s\n");
    assertThatThrownBy(
            () -> JobConfig.fromArgs(new String[] {"--config", twice.toString()}, Map.of()))
        .hasMessageContaining("Duplicate field 'window'");
  }

  @Test
  void usageListsTheConfigFileAndTheStateBackend() {
    assertThat(JobConfig.usage()).contains("--config").contains("QOE_CONFIG");
    assertThat(JobConfig.usage()).contains("--state-backend").contains("QOE_STATE_BACKEND");
  }

  private static Path write(Path file, String text) throws IOException {
    return Files.writeString(file, text);
  }
}
