package net.qoe.probe.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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

  private static String failing(Path dir, String name, String message, int exitCode)
      throws Exception {
    Path script = dir.resolve(name);
    Files.writeString(script, "#!/bin/sh\necho '" + message + "' >&2\nexit " + exitCode + "\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return script.toString();
  }

  private static Measurement run(TracerouteTest test) {
    return test.run(CTX, TargetConfig.of("far", "192.0.2.10", null, SPEC), SPEC);
  }

  private static Measurement runOnLoopback(TracerouteTest test) {
    return test.run(CTX, TargetConfig.of("self", "127.0.0.1", null, SPEC), SPEC);
  }

  /** Whether the system's tool runs here (installed, and allowed to send its probes). */
  private static boolean works(String... cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
      return p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (java.io.IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static void assertOneHopToLoopback(Measurement m) {
    assertThat(m.ok()).as("%s", m.error()).isTrue();
    assertThat(m.metrics())
        .containsEntry("hops", 1.0)
        .containsEntry("last_hop_loss_pct", 0.0)
        .containsEntry("hop_1_loss_pct", 0.0);
    assertThat(m.metric("last_hop_ms")).isBetween(0.0, 50.0);
    assertThat(m.metric("hop_1_ms")).isEqualTo(m.metric("last_hop_ms"));
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

  @Test
  void aFailingMtrFallsBackToTraceroute(@TempDir Path dir) throws Exception {
    Measurement m =
        run(
            new TracerouteTest(
                failing(dir, "mtr", "mtr: Failure to start mtr-packet: Operation not permitted", 1),
                fake(dir, "traceroute", TRACEROUTE_OUTPUT)));

    assertThat(m.ok()).as("%s", m.error()).isTrue();
    assertThat(m.metrics()).containsEntry("hops", 4.0).containsEntry("last_hop_ms", 12.0);
  }

  @Test
  void whenBothToolsFailTheErrorSaysWhatEachPrinted(@TempDir Path dir) throws Exception {
    Measurement m =
        run(
            new TracerouteTest(
                failing(dir, "mtr", "mtr: Failure to start mtr-packet: Operation not permitted", 1),
                failing(dir, "traceroute", "far: Name or service not known", 2)));

    assertThat(m.ok()).isFalse();
    assertThat(m.error().stage()).isEqualTo(Stage.IO);
    assertThat(m.error().message())
        .contains("exited with 1", "Operation not permitted")
        .contains("exited with 2", "Name or service not known");
  }

  @Test
  void aFailingMtrWithoutTracerouteReportsMtrsError(@TempDir Path dir) throws Exception {
    Measurement m =
        run(
            new TracerouteTest(
                failing(dir, "mtr", "mtr: Failure to open IPv4 sockets", 1),
                dir.resolve("no-tr").toString()));

    assertThat(m.ok()).isFalse();
    assertThat(m.error().stage()).isEqualTo(Stage.IO);
    assertThat(m.error().message())
        .contains("mtr", "exited with 1", "Failure to open IPv4 sockets");
  }

  @Test
  void mtrRunsTheCyclesTheBudgetHolds() {
    assertThat(TracerouteTest.fitCycles(100, 300_000)).isEqualTo(100);
    assertThat(TracerouteTest.fitCycles(10, 60_000)).isEqualTo(10);
    // a tier-1 run's 5 s: three cycles, a second's grace, a second to start
    assertThat(TracerouteTest.fitCycles(10, 5_000)).isEqualTo(3);
    assertThat(TracerouteTest.fitCycles(3, 1_500)).isEqualTo(1);
    assertThat(TracerouteTest.fitCycles(3, -10)).isEqualTo(1);
  }

  @Test
  void tracesLoopbackWithTheSystemsMtrWithinATierOneBudget() {
    assumeTrue(
        works("mtr", "--report", "--json", "-n", "-c", "1", "-G", "1", "127.0.0.1"),
        "no working mtr on this host");

    // ten cycles asked for, 5 s to run them in: mtr's own 5 s grace alone would overrun it
    Measurement m = runOnLoopback(new TracerouteTest("mtr", "no-such-traceroute", 10));

    assertOneHopToLoopback(m);
    // three fit 5 s; the few ms spent before mtr starts may leave room for two
    assertThat(m.metric("cycles")).isBetween(2.0, 3.0);
    assertThat(m.metric("total_ms")).isLessThan(5_000.0);
  }

  @Test
  void tracesLoopbackWithTheSystemsTraceroute(@TempDir Path dir) {
    assumeTrue(
        works("traceroute", "-n", "-q", "1", "-w", "1", "-m", "2", "127.0.0.1"),
        "no working traceroute on this host");

    assertOneHopToLoopback(
        runOnLoopback(new TracerouteTest(dir.resolve("no-mtr").toString(), "traceroute")));
  }
}
