package net.qoe.probe.tests;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import net.qoe.kafka.message.Measurement;
import net.qoe.probe.config.TargetConfig;
import net.qoe.probe.config.TestSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TracerouteMeasurementTest {

  static final String TRACEROUTE_OUTPUT =
      """
      traceroute to 192.0.2.10 (192.0.2.10), 30 hops max, 60 byte packets
       1  10.0.0.1  0.412 ms  0.380 ms  0.370 ms
       2  * * *
       3  198.51.100.7  9.100 ms *  9.300 ms
       4  192.0.2.10  12.000 ms  11.000 ms  13.000 ms
      """;

  static final String MTR_JSON =
      """
      {"report": {"mtr": {"src": "probe", "dst": "192.0.2.10", "tests": 3},
        "hubs": [
          {"count": 1, "host": "10.0.0.1", "Loss%": 0.0, "Snt": 3, "Last": 0.4, "Avg": 0.4},
          {"count": 2, "host": "???", "Loss%": 100.0, "Snt": 3, "Last": 0.0, "Avg": 0.0},
          {"count": 3, "host": "192.0.2.10", "Loss%": 33.3, "Snt": 3, "Last": 12.0, "Avg": 12.5}
        ]}}
      """;

  private static final TestContext CTX = new TestContext("probe-r", 1, Duration.ofSeconds(5));
  private static final TestSpec SPEC = TestSpec.ofType(TestSpec.TRACEROUTE).withTimeoutMs(5000);

  private static String fake(Path dir, String name, String output) throws Exception {
    Path out = dir.resolve(name + ".txt");
    Files.writeString(out, output);
    Path script = dir.resolve(name);
    Files.writeString(script, "#!/bin/sh\ncat '" + out + "'\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return script.toString();
  }

  private static Measurement run(TracerouteTest test) {
    return test.run(CTX, TargetConfig.of("far", "192.0.2.10", null, SPEC), SPEC);
  }

  @Test
  void parsesTracerouteHopsWithLossAndMeanTimes() {
    List<TracerouteTest.Hop> hops = TracerouteTest.parseTraceroute(TRACEROUTE_OUTPUT);

    assertThat(hops).hasSize(4);
    assertThat(hops.get(0).address()).isEqualTo("10.0.0.1");
    assertThat(hops.get(0).avgMs()).isCloseTo(0.3873, org.assertj.core.data.Offset.offset(1e-3));
    assertThat(hops.get(1).address()).isNull();
    assertThat(hops.get(1).lossPct()).isEqualTo(100.0);
    assertThat(hops.get(2).lossPct()).isCloseTo(33.33, org.assertj.core.data.Offset.offset(0.01));
    assertThat(hops.get(3).avgMs()).isEqualTo(12.0);
  }

  @Test
  void fallsBackToTracerouteWhenMtrIsMissing(@TempDir Path dir) throws Exception {
    Measurement m =
        run(
            new TracerouteTest(
                dir.resolve("no-mtr").toString(), fake(dir, "traceroute", TRACEROUTE_OUTPUT)));

    assertThat(m.ok()).as("%s", m.error()).isTrue();
    assertThat(m.metrics())
        .containsEntry("hops", 4.0)
        .containsEntry("last_hop_ms", 12.0)
        .containsEntry("last_hop_loss_pct", 0.0)
        .containsEntry("hop_2_loss_pct", 100.0)
        .doesNotContainKey("hop_2_ms");
  }

  @Test
  void prefersMtrsJsonReport(@TempDir Path dir) throws Exception {
    Measurement m =
        run(new TracerouteTest(fake(dir, "mtr", MTR_JSON), dir.resolve("none").toString()));

    assertThat(m.ok()).as("%s", m.error()).isTrue();
    assertThat(m.metrics())
        .containsEntry("hops", 3.0)
        .containsEntry("last_hop_ms", 12.5)
        .containsEntry("last_hop_loss_pct", 33.3)
        .containsEntry("hop_1_ms", 0.4)
        .doesNotContainKey("hop_2_ms");
  }

  @Test
  void withoutEitherToolItIsUnavailable(@TempDir Path dir) {
    Measurement m =
        run(new TracerouteTest(dir.resolve("no-mtr").toString(), dir.resolve("no-tr").toString()));

    assertThat(m.ok()).isFalse();
    assertThat(m.error().stage()).isEqualTo(Stage.UNAVAILABLE);
  }
}
