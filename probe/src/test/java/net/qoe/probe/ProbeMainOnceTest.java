package net.qoe.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import net.qoe.kafka.message.Measurement;
import net.qoe.kafka.serde.MessageSerde;
import org.junit.jupiter.api.Test;

/** {@code probe once} for the test types beyond http, tcp and udp. */
class ProbeMainOnceTest {

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int execute(String... args) {
    return new ProbeMain(
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            Map.of())
        .execute(args);
  }

  private Measurement printed() throws Exception {
    return MessageSerde.MEASUREMENT.fromBytes(out.toByteArray());
  }

  @Test
  void portScanOfListedPorts() throws Exception {
    try (ServerSocket open = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
      int status =
          execute("once", "port_scan", "127.0.0.1", "--ports", String.valueOf(open.getLocalPort()));

      assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isZero();
      Measurement m = printed();
      assertThat(m.test()).isEqualTo("port_scan");
      assertThat(m.metrics()).containsEntry("open_ports", 1.0);
    }
  }

  @Test
  void systemOfThisHost() throws Exception {
    int status = execute("once", "system", "this-host");

    Measurement m = printed();
    assertThat(m.target()).isEqualTo("this-host");
    assertThat(m.test()).isEqualTo("system");
    assertThat(status).isEqualTo(m.ok() ? 0 : 1);
  }

  @Test
  void tlsAgainstAPlainTcpServerFailsAtTheHandshake() throws Exception {
    try (ServerSocket plain = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
      Thread closer =
          new Thread(
              () -> {
                try {
                  plain.accept().close();
                } catch (Exception e) {
                  // closed
                }
              });
      closer.start();
      int status =
          execute("once", "tls", "127.0.0.1:" + plain.getLocalPort(), "--timeout-ms", "2000");

      assertThat(status).isEqualTo(1);
      Measurement m = printed();
      assertThat(m.error().stage()).isIn("tls", "timeout");
      assertThat(m.metrics()).containsKey("connect_ms");
      closer.join(5000);
    }
  }

  @Test
  void scriptPrintsItsMetrics(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    java.nio.file.Path script = dir.resolve("check.sh");
    java.nio.file.Files.writeString(
        script, "#!/bin/sh\necho '{\"success\": true, \"latency\": 3}'\n");
    java.nio.file.Files.setPosixFilePermissions(
        script, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));

    int status = execute("once", "script", "127.0.0.1", "--script", script.toString());

    assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isZero();
    assertThat(printed().metrics()).containsEntry("latency", 3.0);
  }

  @Test
  void pingIsKnown() throws Exception {
    int status = execute("once", "ping", "127.0.0.1", "--timeout-ms", "3000");

    Measurement m = printed();
    assertThat(m.test()).isEqualTo("ping");
    assertThat(status).isEqualTo(m.ok() ? 0 : 1);
  }

  @Test
  void dnsNeedsAQueryName() {
    assertThat(execute("once", "dns", "127.0.0.1:53")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains(".query: required");
  }
}
