package net.qoe.probe.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import net.qoe.kafka.message.Measurement;
import net.qoe.probe.config.TargetConfig;
import net.qoe.probe.config.TestSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SystemMeasurementTest {

  private static final TestContext CTX = new TestContext("probe-s", 1, Duration.ofSeconds(2));
  private static final TestSpec SPEC = TestSpec.ofType(TestSpec.SYSTEM).withTimeoutMs(2000);
  private static final TargetConfig HOST = TargetConfig.of("this-host", null, null, SPEC);

  @Test
  void reportsSaneHostFigures() {
    assumeTrue(Files.isReadable(Path.of("/proc/stat")), "needs Linux /proc");
    Measurement m = new SystemTest().run(CTX, HOST, SPEC);

    assertThat(m.ok()).as("%s", m.error()).isTrue();
    assertThat(m.metrics().get("cpu_pct")).isBetween(0.0, 100.0);
    assertThat(m.metrics().get("iowait_pct")).isBetween(0.0, 100.0);
    assertThat(m.metrics().get("load1")).isGreaterThanOrEqualTo(0.0);
    assertThat(m.metrics().get("mem_total_bytes")).isGreaterThan(16e6);
    assertThat(m.metrics().get("mem_used_bytes"))
        .isPositive()
        .isLessThanOrEqualTo(m.metrics().get("mem_total_bytes"));
    assertThat(m.metrics().get("net_rx_bytes")).isGreaterThanOrEqualTo(0.0);
    assertThat(m.metrics().keySet())
        .allMatch(k -> k.matches("[a-z0-9_]+"))
        .doesNotContain("password", "ssid");
  }

  @Test
  void readsCountersFromTheGivenRootsIncludingTemperature(@TempDir Path root) throws Exception {
    Path proc = root.resolve("proc");
    Path sys = root.resolve("sys");
    Files.createDirectories(proc.resolve("net"));
    Files.createDirectories(sys.resolve("class/thermal/thermal_zone0"));
    Files.writeString(proc.resolve("stat"), "cpu  100 0 100 700 100 0 0 0 0 0\ncpu0 1 1 1 1\n");
    Files.writeString(
        proc.resolve("meminfo"), "MemTotal: 1000 kB\nMemFree: 100 kB\nMemAvailable: 400 kB\n");
    Files.writeString(proc.resolve("loadavg"), "0.50 0.40 0.30 1/100 1234\n");
    Files.writeString(
        proc.resolve("net/dev"),
        "Inter-|   Receive\n face |bytes packets\n"
            + "    lo: 999 1 0 0 0 0 0 0 999 1 0 0 0 0 0 0\n"
            + "  eth0: 2000 10 0 0 0 0 0 0 3000 20 0 0 0 0 0 0\n");
    Files.writeString(sys.resolve("class/thermal/thermal_zone0/temp"), "45500\n");

    Measurement m = new SystemTest(proc, sys).run(CTX, HOST, SPEC);

    assertThat(m.ok()).as("%s", m.error()).isTrue();
    assertThat(m.metrics())
        .containsEntry("mem_total_bytes", 1_024_000.0)
        .containsEntry("mem_used_bytes", 614_400.0)
        .containsEntry("load1", 0.5)
        .containsEntry("net_rx_bytes", 2000.0)
        .containsEntry("net_tx_bytes", 3000.0)
        .containsEntry("temp_c", 45.5)
        .containsEntry("cpu_pct", 0.0); // the counters did not move
  }

  @Test
  void cpuAndIowaitComeFromCounterDeltas() {
    MeasurementBuilder m = CTX.newMeasurement("h", "system");
    SystemTest.cpu(
        new long[] {100, 0, 100, 700, 100, 0, 0, 0},
        new long[] {150, 0, 150, 800, 200, 0, 0, 0},
        m);
    assertThat(m.build().metrics())
        .containsEntry("cpu_pct", 33.33)
        .containsEntry("iowait_pct", 33.33);
  }

  @Test
  void withoutProcItIsUnavailable(@TempDir Path empty) {
    Measurement m = new SystemTest(empty, empty).run(CTX, HOST, SPEC);

    assertThat(m.ok()).isFalse();
    assertThat(m.error().stage()).isEqualTo(Stage.UNAVAILABLE);
  }
}
