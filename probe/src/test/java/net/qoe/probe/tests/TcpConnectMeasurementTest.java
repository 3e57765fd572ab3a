package net.qoe.probe.tests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import net.qoe.kafka.message.Measurement;
import net.qoe.probe.config.TargetConfig;
import net.qoe.probe.config.TestSpec;
import org.junit.jupiter.api.Test;

class TcpConnectMeasurementTest {

  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  @Test
  void timesResolutionAndConnectSeparately() throws IOException {
    try (ServerSocket listening = new ServerSocket(0, 10, LOOPBACK)) {
      Measurement m = connect("localhost", listening.getLocalPort());

      assertThat(m.ok()).as("%s", m).isTrue();
      assertThat(m.test()).isEqualTo("tcp");
      assertThat(m.metric("dns_ms")).isPositive();
      assertThat(m.metric("connect_ms")).isPositive();
      assertThat(m.metric("total_ms"))
          .isGreaterThanOrEqualTo(m.metric("dns_ms") + m.metric("connect_ms"));
    }
  }

  @Test
  void aClosedPortIsRefused() throws IOException {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
      closedPort = s.getLocalPort();
    }
    Measurement m = connect("127.0.0.1", closedPort);

    assertThat(m.ok()).isFalse();
    assertThat(m.error().stage()).isEqualTo("refused");
    assertThat(m.error().message()).isEqualTo("connection to 127.0.0.1:" + closedPort + " refused");
    assertThat(m.metrics()).containsKey("dns_ms").doesNotContainKey("connect_ms");
  }

  private static Measurement connect(String host, int port) {
    TestSpec spec = TestSpec.tcp().withPort(port).withTimeoutMs(2000);
    return new TcpConnectTest()
        .run(
            new TestContext("probe-t", 1, Duration.ofSeconds(2)),
            TargetConfig.of("db-1", host, port, spec),
            spec);
  }
}
