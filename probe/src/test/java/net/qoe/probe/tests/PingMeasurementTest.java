package net.qoe.probe.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import net.qoe.kafka.message.Measurement;
import net.qoe.probe.config.TargetConfig;
import net.qoe.probe.config.TestSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PingMeasurementTest {

  /** iputils ping, 5 packets, the 3rd lost. */
  static final String LINUX_OUTPUT =
      """
      PING 192.0.2.10 (192.0.2.10) 56(84) bytes of data.
      64 bytes from 192.0.2.10: icmp_seq=1 ttl=57 time=10.2 ms
      64 bytes from 192.0.2.10: icmp_seq=2 ttl=57 time=12.4 ms
      64 bytes from 192.0.2.10: icmp_seq=4 ttl=57 time=11.0 ms
      64 bytes from 192.0.2.10: icmp_seq=5 ttl=57 time=10.6 ms

      --- 192.0.2.10 ping statistics ---
      5 packets transmitted, 4 received, 20% packet loss, time 804ms
      rtt min/avg/max/mdev = 10.200/11.050/12.400/0.830 ms
      """;

  static final String NOT_PERMITTED = "ping: socket: Operation not permitted\n";

  private static final TestContext CTX = new TestContext("probe-i", 1, Duration.ofSeconds(5));

  private static Measurement run(PingTest test, String host, int packets) {
    TestSpec spec = TestSpec.ofType(TestSpec.PING).withPackets(packets).withTimeoutMs(5000);
    return test.run(CTX, TargetConfig.of("t", host, null, spec), spec);
  }

  /** A stand-in ping that prints {@code output} and exits with {@code status}. */
  private static String fakePing(Path dir, String output, int status) throws Exception {
    Path out = dir.resolve("output.txt");
    Files.writeString(out, output);
    Path script = dir.resolve("ping");
    Files.writeString(script, "#!/bin/sh\ncat '" + out + "'\nexit " + status + "\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return script.toString();
  }

  @Test
  void parsesPerPacketTimesWithNullForALostPacket() {
    assertThat(PingTest.parse(LINUX_OUTPUT, 5))
        .isEqualTo(Arrays.asList(10.2, 12.4, null, 11.0, 10.6));
  }

  @Test
  void parsesSubMillisecondAndLessThanTimes() {
    String out =
        "64 bytes from 127.0.0.1: icmp_seq=1 ttl=64 time=0.045 ms\n"
            + "64 bytes from 127.0.0.1: icmp_seq=2 ttl=64 time<0.1 ms\n"
            + "2 packets transmitted, 2 received, 0% packet loss, time 1ms\n";
    assertThat(PingTest.parse(out, 2)).containsExactly(0.045, 0.1);
  }

  @Test
  void reportsLossAndJitterFromTheSystemToolsOutput(@TempDir Path dir) throws Exception {
    Measurement m =
        run(new PingTest(TestSpec.PING, fakePing(dir, LINUX_OUTPUT, 1)), "192.0.2.10", 5);

    assertThat(m.ok()).as("%s", m.error()).isTrue();
    assertThat(m.sent()).isEqualTo(5);
    assertThat(m.received()).isEqualTo(4);
    assertThat(m.rttMs()).containsExactly(10.2, 12.4, null, 11.0, 10.6);
    assertThat(m.metrics())
        .containsEntry("loss_pct", 20.0)
        .containsEntry("rtt_min_ms", 10.2)
        .containsEntry("rtt_max_ms", 12.4)
        .containsKey("jitter_ms");
  }

  @Test
  void aMissingPingIsUnavailable(@TempDir Path dir) {
    Measurement m =
        run(new PingTest(TestSpec.PING, dir.resolve("no-ping").toString()), "127.0.0.1", 3);

    assertThat(m.ok()).isFalse();
    assertThat(m.error().stage()).isEqualTo(Stage.UNAVAILABLE);
    assertThat(m.error().message()).contains("not installed");
  }

  @Test
  void aPingWithoutPermissionIsUnavailable(@TempDir Path dir) throws Exception {
    Measurement m =
        run(new PingTest(TestSpec.PING, fakePing(dir, NOT_PERMITTED, 2)), "127.0.0.1", 3);

    assertThat(m.ok()).isFalse();
    assertThat(m.error().stage()).isEqualTo(Stage.UNAVAILABLE);
    assertThat(m.error().message()).contains("not permitted");
    assertThat(m.sent()).isEqualTo(3);
    assertThat(m.received()).isZero();
  }

  @Test
  void pingsLoopbackWhenThisHostHasPing() {
    boolean hasPing =
        List.of("/bin/ping", "/usr/bin/ping", "/sbin/ping", "/usr/sbin/ping").stream()
            .anyMatch(p -> Files.isExecutable(Path.of(p)));
    assumeTrue(hasPing, "no ping on this host");
    Measurement m = run(new PingTest(TestSpec.PING), "127.0.0.1", 3);
    assumeTrue(
        m.ok() || !Stage.UNAVAILABLE.equals(m.error().stage()), "ping is not permitted here");

    assertThat(m.ok()).as("%s", m.error()).isTrue();
    assertThat(m.sent()).isEqualTo(3);
    assertThat(m.received()).isEqualTo(3);
  }
}
