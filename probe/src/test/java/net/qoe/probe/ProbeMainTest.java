package net.qoe.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import net.qoe.kafka.message.Measurement;
import net.qoe.kafka.serde.MessageSerde;
import net.qoe.probe.responder.Responder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProbeMainTest {

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int execute(String... args) {
    return new ProbeMain(
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            Map.of())
        .execute(args);
  }

  private String stderr() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void badArgumentsPrintTheProblemAndTheUsage() {
    assertThat(execute()).isEqualTo(2);
    assertThat(stderr()).contains("no command given").contains("usage:");

    assertThat(execute("probe")).isEqualTo(2);
    assertThat(stderr()).contains("unknown command \"probe\"");

    assertThat(execute("run")).isEqualTo(2);
    assertThat(stderr()).contains("run needs --config");

    assertThat(execute("serve", "--udp-port", "99999")).isEqualTo(2);
    assertThat(stderr()).contains("--udp-port must be a whole number from 0 to 65535, got 99999");

    assertThat(execute("once", "smoke", "example.com")).isEqualTo(2);
    assertThat(stderr()).contains("unknown test \"smoke\" (known: http, tcp, udp, tls, dns,");

    assertThat(execute("once", "tcp")).isEqualTo(2);
    assertThat(stderr()).contains("once takes 2 arguments, got 1 (tcp)");

    assertThat(execute("run", "--config", "x.yml", "--verbose")).isEqualTo(2);
    assertThat(stderr()).contains("unknown option --verbose for run");
  }

  @Test
  void runReportsEveryConfigurationProblemBeforeStarting(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("probe.yml");
    Files.writeString(file, "targets:\n  - name: a\n    tests: [{type: http, url: 'nope'}]\n");

    assertThat(execute("run", "--config", file.toString())).isEqualTo(2);

    assertThat(stderr())
        .contains("invalid probe configuration (2 problems):")
        .contains("  - probe_id: required")
        .contains("  - targets[0].tests[0].url: must be an http or https URL (got \"nope\")");
  }

  @Test
  void oncePrintsOneMeasurementAsJson() throws Exception {
    try (ServerSocket listening = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
      int status = execute("once", "tcp", "127.0.0.1:" + listening.getLocalPort());

      Measurement m = MessageSerde.MEASUREMENT.fromBytes(out.toByteArray());
      assertThat(status).isZero();
      assertThat(m.ok()).isTrue();
      assertThat(m.test()).isEqualTo("tcp");
      assertThat(m.target()).isEqualTo("127.0.0.1:" + listening.getLocalPort());
      assertThat(m.probeId()).isEqualTo("cli");
      assertThat(m.metrics()).containsKeys("dns_ms", "connect_ms");
    }
  }

  @Test
  void onceExitsWithOneWhenTheMeasurementFailed() throws Exception {
    try (Responder responder = Responder.onLoopback().start()) {
      responder.setDropEvery(1);

      int status =
          execute(
              "once",
              "udp",
              "127.0.0.1:" + responder.udpPort(),
              "--timeout-ms",
              "1500",
              "--probe-id",
              "me");

      Measurement m = MessageSerde.MEASUREMENT.fromBytes(out.toByteArray());
      assertThat(status).isEqualTo(1);
      assertThat(m.probeId()).isEqualTo("me");
      assertThat(m.error().stage()).isEqualTo("timeout");
      // 1.5 s hold 38 of the 50 default packets 20 ms apart and leave 750 ms for the replies
      assertThat(m.sent()).isEqualTo(38);
    }
  }

  @Test
  void oncePostgresTakesADatabaseUrlAndNamesTheTargetByHostAndPort() throws Exception {
    int port;
    try (java.net.ServerSocket s =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }

    int status = execute("once", "postgres", "jdbc:postgresql://127.0.0.1:" + port + "/app");

    Measurement m = MessageSerde.MEASUREMENT.fromBytes(out.toByteArray());
    assertThat(status).isEqualTo(1);
    assertThat(m.test()).isEqualTo("postgres");
    assertThat(m.target()).isEqualTo("127.0.0.1:" + port);
    assertThat(m.error().stage()).isEqualTo("refused");
  }
}
