package net.qoe.probe.tests;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import net.qoe.kafka.message.Measurement;
import net.qoe.probe.config.TargetConfig;
import net.qoe.probe.config.TestSpec;
import net.qoe.probe.responder.TcpSink;
import org.junit.jupiter.api.Test;

class BandwidthMeasurementTest {

  private static Measurement run(int port, int timeoutMs) {
    TestSpec spec = TestSpec.ofType(TestSpec.BANDWIDTH).withPort(port).withTimeoutMs(timeoutMs);
    return new BandwidthTest()
        .run(
            new TestContext("probe-b", 1, Duration.ofMillis(timeoutMs)),
            TargetConfig.of("sink", "127.0.0.1", port, spec),
            spec);
  }

  @Test
  void measuresThroughputToTheSinkForHalfTheBudget() throws Exception {
    try (TcpSink sink = TcpSink.onLoopback().start()) {
      long start = System.nanoTime();
      Measurement m = run(sink.port(), 4000); // sends for 2 s

      assertThat(m.ok()).as("%s", m.error()).isTrue();
      assertThat(m.metrics().get("bytes")).isGreaterThan(1e6);
      assertThat(m.metrics().get("transfer_ms")).isBetween(1900.0, 4000.0);
      double expected =
          m.metrics().get("bytes") * 8 / (m.metrics().get("transfer_ms") / 1000) / 1e6;
      assertThat(m.metrics().get("throughput_mbps"))
          .isCloseTo(expected, org.assertj.core.data.Offset.offset(0.01));
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
    }
  }

  @Test
  void aClosedPortIsRefused() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Measurement m = run(port, 2000);

    assertThat(m.ok()).isFalse();
    assertThat(m.error().stage()).isEqualTo(Stage.REFUSED);
  }
}
