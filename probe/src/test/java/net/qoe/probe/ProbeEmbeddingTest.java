package net.qoe.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import net.qoe.kafka.message.Measurement;
import net.qoe.probe.config.ConfigException;
import net.qoe.probe.config.ProbeConfig;
import net.qoe.probe.config.TargetConfig;
import net.qoe.probe.config.TestSpec;
import net.qoe.probe.responder.DelayHttpServer;
import net.qoe.probe.responder.Responder;
import net.qoe.probe.tests.ProbeTests;
import net.qoe.probe.tests.TcpConnectTest;
import org.junit.jupiter.api.Test;

/** The API the local stack uses: a probe, a responder and a demo HTTP target in one JVM. */
class ProbeEmbeddingTest {

  @Test
  void aProbeMeasuresLocalTargetsOnSchedule() throws Exception {
    CollectingSink sink = new CollectingSink();
    try (Responder responder = Responder.onLoopback().start();
        DelayHttpServer web = DelayHttpServer.http("127.0.0.1", 0).start();
        ServerSocket db = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
      ProbeConfig config =
          ProbeConfig.builder()
              .probeId("probe-e")
              .defaultIntervalS(0.2)
              .defaultTimeoutMs(1000)
              .target(TargetConfig.of("web", null, null, TestSpec.http(web.url().toString())))
              .target(TargetConfig.of("db", "127.0.0.1", db.getLocalPort(), TestSpec.tcp()))
              .target(
                  TargetConfig.of(
                      "echo",
                      "127.0.0.1",
                      responder.udpPort(),
                      TestSpec.udp().withPackets(5).withPacketIntervalMs(5)))
              .build();

      try (Probe probe = Probe.create(config, sink).start()) {
        for (String target : List.of("web", "db", "echo")) {
          sink.await(2, from(target).and(Measurement::ok), Duration.ofSeconds(10));
        }
        assertThat(probe.stats().measurements()).isGreaterThanOrEqualTo(6);
      }

      assertThat(sink.received())
          .allSatisfy(
              m -> {
                assertThat(m.probeId()).isEqualTo("probe-e");
                assertThat(m.tier()).isEqualTo(1);
                assertThat(m.kafkaKey()).isEqualTo("probe-e|" + m.target());
              });
      assertThat(sink.received())
          .filteredOn(from("echo").and(Measurement::ok))
          .allSatisfy(m -> assertThat(m.sent()).isEqualTo(5));
    }
  }

  @Test
  void aConfiguredTestTheProbeCannotRunIsAConfigurationError() {
    ProbeConfig config =
        ProbeConfig.builder()
            .probeId("probe-e")
            .target(TargetConfig.of("echo", "127.0.0.1", 2000, TestSpec.tcp(), TestSpec.udp()))
            .build();

    assertThatThrownBy(
            () -> Probe.create(config, new CollectingSink(), ProbeTests.of(new TcpConnectTest())))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(e.problems())
                    .containsExactly(
                        "targets[0].tests[1].type: this probe has no udp test (it has: tcp)"));
  }

  @Test
  void theStandardTestsAreExactlyTheConfigurableTypes() {
    assertThat(ProbeTests.standard().names()).containsExactlyInAnyOrderElementsOf(TestSpec.TYPES);
  }

  private static Predicate<Measurement> from(String target) {
    return m -> m.target().equals(target);
  }
}
