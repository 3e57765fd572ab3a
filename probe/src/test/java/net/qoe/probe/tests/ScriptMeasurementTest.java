package net.qoe.probe.tests;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import net.qoe.kafka.message.Measurement;
import net.qoe.probe.config.TargetConfig;
import net.qoe.probe.config.TestSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScriptMeasurementTest {

  @TempDir Path dir;

  private Path script(String body) throws Exception {
    Path script = dir.resolve("custom_test.sh");
    Files.writeString(script, "#!/bin/sh\n" + body + "\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return script;
  }

  private static Measurement run(Path script, Map<String, Double> threshold, int timeoutMs) {
    TestSpec spec =
        TestSpec.ofType(TestSpec.SCRIPT)
            .withScript(script.toString())
            .withThreshold(threshold)
            .withTimeoutMs(timeoutMs);
    return new ScriptTest()
        .run(
            new TestContext("probe-c", 1, Duration.ofMillis(timeoutMs)),
            TargetConfig.of("custom", "127.0.0.1", null, spec),
            spec);
  }

  @Test
  void numericFieldsOfTheScriptsJsonBecomeMetrics() throws Exception {
    Path s =
        script(
            "echo \"{\\\"test\\\": \\\"custom_check\\\", \\\"target\\\": \\\"$1\\\","
                + " \\\"success\\\": true, \\\"latency\\\": 12.5, \\\"tier\\\": 1}\"");

    Measurement m = run(s, Map.of("latency", 500.0), 5000);

    assertThat(m.ok()).as("%s", m.error()).isTrue();
    assertThat(m.metrics()).containsEntry("latency", 12.5).containsKey("script_ms");
    assertThat(m.metrics()).doesNotContainKey("tier");
  }

  @Test
  void aMetricAboveItsThresholdFailsTheRun() throws Exception {
    Path s = script("echo '{\"success\": true, \"latency\": 612}'");

    Measurement m = run(s, Map.of("latency", 500.0), 5000);

    assertThat(m.ok()).isFalse();
    assertThat(m.error().stage()).isEqualTo("threshold");
    assertThat(m.error().message()).contains("latency 612.0 is above its threshold 500.0");
    assertThat(m.metrics()).containsEntry("latency", 612.0);
  }

  @Test
  void reportedFailureAndBadOutputFailAtStageScript() throws Exception {
    Measurement failed =
        run(script("echo '{\"success\": false, \"error\": \"db down\"}'"), null, 5000);
    assertThat(failed.error().stage()).isEqualTo("script");
    assertThat(failed.error().message()).endsWith("reported failure: db down");

    Measurement notJson = run(script("echo hello"), null, 5000);
    assertThat(notJson.error().stage()).isEqualTo("script");
    assertThat(notJson.error().message()).contains("did not print");

    Measurement exited = run(script("echo oops >&2; exit 3"), null, 5000);
    assertThat(exited.error().message()).contains("exited with status 3: oops");
  }

  @Test
  void aHangingScriptIsKilledAtTheTimeout() throws Exception {
    long start = System.nanoTime();
    Measurement m = run(script("exec sleep 30"), null, 500);

    assertThat(m.ok()).isFalse();
    assertThat(m.error().stage()).isEqualTo(Stage.TIMEOUT);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
  }
}
