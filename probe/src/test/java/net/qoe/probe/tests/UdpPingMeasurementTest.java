package net.qoe.probe.tests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Arrays;
import net.qoe.kafka.message.Measurement;
import net.qoe.probe.config.TargetConfig;
import net.qoe.probe.config.TestSpec;
import net.qoe.probe.responder.Responder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class UdpPingMeasurementTest {

  private Responder responder;

  @BeforeEach
  void startResponder() throws IOException {
    responder = Responder.onLoopback().start();
  }

  @AfterEach
  void stopResponder() {
    responder.close();
  }

  @Test
  void everyPacketComesBackWithItsRoundTripTime() {
    Measurement m = ping(responder.udpPort(), 10);

    assertThat(m.ok()).as("%s", m).isTrue();
    assertThat(m.sent()).isEqualTo(10);
    assertThat(m.received()).isEqualTo(10);
    assertThat(m.rttMs()).hasSize(10).doesNotContainNull().allMatch(rtt -> rtt > 0);
    assertThat(m.metrics())
        .containsEntry("loss_pct", 0.0)
        .containsEntry("reordered", 0.0)
        .containsKeys("rtt_avg_ms", "rtt_min_ms", "rtt_max_ms", "jitter_ms", "dns_ms");
    assertThat(m.metric("rtt_min_ms"))
        .isPositive()
        .isLessThanOrEqualTo(m.metric("rtt_avg_ms"))
        .isLessThanOrEqualTo(m.metric("rtt_max_ms"));
    assertThat(responder.echoed()).isEqualTo(10);
  }

  @Test
  void droppedPacketsAreNullInSequenceAndCountAsLoss() {
    responder.setDropEvery(3);

    Measurement m = ping(responder.udpPort(), 10);

    assertThat(m.ok()).as("some loss is a result, not a failure").isTrue();
    assertThat(m.sent()).isEqualTo(10);
    assertThat(m.received()).isEqualTo(7);
    assertThat(m.lost()).isEqualTo(3);
    for (int i = 0; i < 10; i++) {
      if (i % 3 == 2) {
        assertThat(m.rttMs().get(i)).as("packet %d", i).isNull();
      } else {
        assertThat(m.rttMs().get(i)).as("packet %d", i).isPositive();
      }
    }
    assertThat(m.metric("loss_pct")).isEqualTo(30.0);
    assertThat(responder.dropped()).isEqualTo(3);
  }

  @Test
  void noListenerIsRefused() throws IOException {
    int closedPort;
    try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    Measurement m = ping(closedPort, 3);

    assertThat(m.ok()).isFalse();
    assertThat(m.error().stage()).isEqualTo("refused");
    assertThat(m.received()).isZero();
  }

  @Test
  void noReplyAtAllIsATimeoutWithEveryPacketLost() {
    responder.setDropEvery(1);

    Measurement m = ping(responder.udpPort(), 4);

    assertThat(m.ok()).isFalse();
    assertThat(m.error().stage()).isEqualTo("timeout");
    assertThat(m.rttMs()).hasSize(4).containsOnlyNulls();
    assertThat(m.metric("loss_pct")).isEqualTo(100.0);
    assertThat(m.metrics()).doesNotContainKeys("rtt_avg_ms", "jitter_ms");
  }

  private static Measurement ping(int port, int packets) {
    TestSpec spec =
        TestSpec.udp()
            .withPort(port)
            .withPackets(packets)
            .withPacketIntervalMs(5)
            .withReplyTimeoutMs(300)
            .withTimeoutMs(2000);
    Measurement m =
        new UdpPingTest()
            .run(
                new TestContext("probe-t", 1, Duration.ofSeconds(2)),
                TargetConfig.of("echo", "localhost", port, spec),
                spec);
    assertThat(m.rttMs()).as("rtt_ms %s", Arrays.toString(m.rttMs().toArray())).isNotNull();
    return m;
  }
}
