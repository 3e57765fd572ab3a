package net.qoe.probe.tests;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import net.qoe.kafka.message.Measurement;
import net.qoe.probe.config.TargetConfig;
import net.qoe.probe.config.TestSpec;
import org.junit.jupiter.api.Test;

class PortScanMeasurementTest {

  @Test
  void countsOpenAndClosedPorts() throws Exception {
    int closed;
    try (ServerSocket gone = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = gone.getLocalPort();
    }
    try (ServerSocket a = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        ServerSocket b = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
      TestSpec spec =
          TestSpec.ofType(TestSpec.PORT_SCAN)
              .withPorts(List.of(a.getLocalPort(), closed, b.getLocalPort()))
              .withTimeoutMs(3000);
      Measurement m =
          new PortScanTest()
              .run(
                  new TestContext("probe-p", 1, Duration.ofSeconds(3)),
                  TargetConfig.of("host", "127.0.0.1", null, spec),
                  spec);

      assertThat(m.ok()).isTrue();
      assertThat(m.metrics())
          .containsEntry("open_ports", 2.0)
          .containsEntry("closed_ports", 1.0)
          .containsEntry("port_" + a.getLocalPort(), 1.0)
          .containsEntry("port_" + closed, 0.0)
          .containsKey("total_ms");
    }
  }
}
