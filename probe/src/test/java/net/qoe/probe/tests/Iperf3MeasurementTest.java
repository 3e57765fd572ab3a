package net.qoe.probe.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import net.qoe.kafka.message.Measurement;
import net.qoe.probe.config.TargetConfig;
import net.qoe.probe.config.TestSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Iperf3MeasurementTest {

  @TempDir Path dir;

  private static Measurement run(Iperf3Test test, int port, int timeoutMs) {
    TestSpec spec = TestSpec.ofType(TestSpec.IPERF3).withPort(port).withTimeoutMs(timeoutMs);
    return test.run(
        new TestContext("probe-i", 2, Duration.ofMillis(timeoutMs)),
        TargetConfig.of("iperf", "127.0.0.1", port, spec),
        spec);
  }

  private static String fixture(String name) throws IOException {
    try (InputStream in = Iperf3MeasurementTest.class.getResourceAsStream("/fixtures/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** A stand-in for iperf3 that prints a report and records its arguments. */
  private Path standIn(String report) throws IOException {
    Path json = Files.writeString(dir.resolve("report.json"), report);
    Path args = dir.resolve("args");
    Path script =
        Files.writeString(
            dir.resolve("iperf3"), "#!/bin/sh\necho \"$@\" > '" + args + "'\ncat '" + json + "'\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return script;
  }

  @Test
  void parsesTheClientReport() throws Exception {
    MeasurementBuilder m = new MeasurementBuilder("p", "t", "iperf3", 1);
    Iperf3Test.parse(fixture("iperf3-client.json"), m);
    Measurement built = m.build();

    assertThat(built.ok()).isTrue();
    // end.sum_received of the fixture: 2992766976 bytes in 1.000085 s.
    assertThat(built.metric("bytes")).isEqualTo(2992766976.0);
    assertThat(built.metric("throughput_mbps")).isCloseTo(23940.1009, within(0.001));
    assertThat(built.metric("sent_mbps")).isCloseTo(23990.6512, within(0.001));
    assertThat(built.metric("transfer_ms")).isCloseTo(1000.085, within(1e-6));
    assertThat(built.metric("retransmits")).isEqualTo(1.0);
  }

  @Test
  void anErrorInTheReportFailsTheRunWithItsText() throws Exception {
    Measurement m =
        run(new Iperf3Test(standIn(fixture("iperf3-refused.json")).toString()), 5201, 3000);

    assertThat(m.ok()).isFalse();
    assertThat(m.error().stage()).isEqualTo(Stage.IO);
    assertThat(m.error().message()).contains("unable to connect to server: Connection refused");
  }

  @Test
  void runsTheToolWithTheTargetPortAndHalfTheBudget() throws Exception {
    Measurement m =
        run(new Iperf3Test(standIn(fixture("iperf3-client.json")).toString()), 5333, 6000);

    assertThat(m.ok()).as("%s", m.error()).isTrue();
    assertThat(m.test()).isEqualTo("iperf3");
    assertThat(m.tier()).isEqualTo(2);
    assertThat(Files.readString(dir.resolve("args")).strip())
        .startsWith("-c 127.0.0.1 -p 5333 -J -t 3 --connect-timeout ");
  }

  @Test
  void aSetDurationIsSentForWhateverTheBudget() throws Exception {
    Iperf3Test test =
        new Iperf3Test(standIn(fixture("iperf3-client.json")).toString(), Duration.ofSeconds(7));
    Measurement m = run(test, 5201, 20_000);

    assertThat(m.ok()).as("%s", m.error()).isTrue();
    assertThat(Files.readString(dir.resolve("args"))).contains(" -t 7 ");
  }

  @Test
  void aBidirectionalRunAsksForBothDirectionsAndReportsTheDownload() throws Exception {
    Iperf3Test test =
        new Iperf3Test(
            standIn(fixture("iperf3-bidir.json")).toString(), Duration.ofSeconds(2), true);
    Measurement m = run(test, 5201, 10_000);

    assertThat(m.ok()).as("%s", m.error()).isTrue();
    assertThat(Files.readString(dir.resolve("args"))).contains("--bidir");
    // the fixture's end.sum_received_bidir_reverse: 743702528 bytes at 5945.07 Mbit/s
    assertThat(m.metric("download_bytes")).isEqualTo(743702528.0);
    assertThat(m.metric("download_mbps")).isCloseTo(5945.0722, within(0.001));
    assertThat(m.metric("throughput_mbps")).isCloseTo(10050.2525, within(0.001));
  }

  @Test
  void garbageOutputIsAnIoFailureNotACrash() throws Exception {
    Measurement m =
        run(new Iperf3Test(standIn("iperf3: parameter error\n").toString()), 5201, 3000);

    assertThat(m.ok()).isFalse();
    assertThat(m.error().stage()).isEqualTo(Stage.IO);
    assertThat(m.error().message()).contains("no JSON report").contains("parameter error");
  }

  @Test
  void withoutTheToolTheRunIsUnavailable() {
    Measurement m = run(new Iperf3Test(dir.resolve("no-such-iperf3").toString()), 5201, 2000);

    assertThat(m.ok()).isFalse();
    assertThat(m.error().stage()).isEqualTo(Stage.UNAVAILABLE);
  }

  @Test
  void measuresARealIperf3ServerOnLoopback() throws Exception {
    assumeTrue(installed(), "no iperf3 on this host");
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Process server =
        new ProcessBuilder("iperf3", "-s", "-B", "127.0.0.1", "-p", Integer.toString(port))
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("server.log").toFile())
            .start();
    try {
      awaitListening(port);
      Measurement m = run(new Iperf3Test(), port, 4000);

      assertThat(m.ok()).as("%s", m.error()).isTrue();
      assertThat(m.metric("throughput_mbps")).isGreaterThan(10.0);
      assertThat(m.metric("bytes")).isGreaterThan(1e6);
      assertThat(m.metric("transfer_ms")).isBetween(900.0, 3000.0);
    } finally {
      server.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
  }

  private static boolean installed() {
    try {
      Process p = new ProcessBuilder("iperf3", "--version").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  private static void awaitListening(int port) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < until) {
      try (java.net.Socket s = new java.net.Socket(InetAddress.getLoopbackAddress(), port)) {
        return;
      } catch (IOException e) {
        java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
      }
    }
    throw new AssertionError("iperf3 server did not listen on " + port + " within 10 s");
  }

  private static org.assertj.core.data.Offset<Double> within(double d) {
    return org.assertj.core.data.Offset.offset(d);
  }
}
