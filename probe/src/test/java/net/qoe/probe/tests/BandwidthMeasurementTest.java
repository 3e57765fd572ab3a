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

  @Test
  void aBidirectionalRunAlsoReceivesFromTheSinkForTheSameTime() throws Exception {
    try (TcpSink sink = TcpSink.onLoopback().start()) {
      TestSpec spec = TestSpec.ofType(TestSpec.BANDWIDTH).withPort(sink.port()).withTimeoutMs(6000);
      Measurement m =
          new BandwidthTest(Duration.ofSeconds(1), true)
              .run(
                  new TestContext("probe-b", 3, Duration.ofMillis(6000)),
                  TargetConfig.of("sink", "127.0.0.1", sink.port(), spec),
                  spec);

      assertThat(m.ok()).as("%s", m.error()).isTrue();
      assertThat(m.metrics().get("bytes")).isGreaterThan(1e6);
      assertThat(m.metrics().get("download_bytes")).isGreaterThan(1e6);
      assertThat(m.metrics().get("download_ms")).isBetween(950.0, 3000.0);
      double expected =
          m.metrics().get("download_bytes") * 8 / (m.metrics().get("download_ms") / 1000) / 1e6;
      assertThat(m.metrics().get("download_mbps"))
          .isCloseTo(expected, org.assertj.core.data.Offset.offset(0.01));
    }
  }

  @Test
  void aThrottledSinkIsSlowBothWays() throws Exception {
    try (TcpSink sink = TcpSink.onLoopback().start()) {
      sink.setMaxBytesPerSecond(1_000_000); // 8 Mbit/s
      TestSpec spec =
          TestSpec.ofType(TestSpec.BANDWIDTH).withPort(sink.port()).withTimeoutMs(15_000);
      Measurement m =
          new BandwidthTest(Duration.ofMillis(500), true)
              .run(
                  new TestContext("probe-b", 3, Duration.ofMillis(15_000)),
                  TargetConfig.of("sink", "127.0.0.1", sink.port(), spec),
                  spec);

      // the upload's socket buffers drain at the sink's rate before it answers
      assertThat(m.ok()).as("%s", m.error()).isTrue();
      assertThat(m.metrics().get("download_mbps")).isBetween(5.0, 10.0);
      assertThat(m.metrics().get("throughput_mbps")).isLessThan(10.0);
    }
  }

  @Test
  void anUploadShorterThanTheRequestHeaderIsStillCounted() throws Exception {
    try (TcpSink sink = TcpSink.onLoopback().start();
        java.net.Socket s = new java.net.Socket(InetAddress.getLoopbackAddress(), sink.port())) {
      s.getOutputStream().write(new byte[] {1, 2, 3, 4, 5});
      s.shutdownOutput();
      s.setSoTimeout(5000);
      assertThat(new java.io.DataInputStream(s.getInputStream()).readLong()).isEqualTo(5);
    }
  }
}
