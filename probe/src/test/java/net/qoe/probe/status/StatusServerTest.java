package net.qoe.probe.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import net.qoe.kafka.Topics;
import net.qoe.probe.CollectingSink;
import net.qoe.probe.Probe;
import net.qoe.probe.config.KafkaSettings;
import net.qoe.probe.config.ProbeConfig;
import net.qoe.probe.config.TargetConfig;
import net.qoe.probe.config.TestSpec;
import net.qoe.probe.publish.DiskSpool;
import net.qoe.probe.publish.SpooledKafkaSink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StatusServerTest {

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @TempDir Path spoolDir;

  private static HttpResponse<String> get(InetSocketAddress at, String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + at.getPort() + path))
            .timeout(Duration.ofSeconds(5))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static ProbeConfig config(int openPort, int closedPort) {
    return ProbeConfig.builder()
        .probeId("probe-status")
        .defaultIntervalS(0.2)
        .defaultTimeoutMs(1000)
        .status(0, "127.0.0.1")
        .target(TargetConfig.of("db", "127.0.0.1", openPort, TestSpec.tcp()))
        .target(TargetConfig.of("gone", "127.0.0.1", closedPort, TestSpec.tcp()))
        .build();
  }

  private static int closedPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Test
  void servesHealthAndTestCountsByType() throws Exception {
    CollectingSink sink = new CollectingSink();
    try (ServerSocket db = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Probe probe = Probe.create(config(db.getLocalPort(), closedPort()), sink).start()) {
      sink.await(2, m -> m.target().equals("gone"), Duration.ofSeconds(10));
      InetSocketAddress at = probe.statusAddress().orElseThrow();

      HttpResponse<String> health = get(at, "/healthz");
      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(health.headers().firstValue("Content-Type")).hasValue("application/json");
      assertThat(health.body()).contains("\"status\":\"ok\"", "\"probe_id\":\"probe-status\"");

      HttpResponse<String> metrics = get(at, "/metrics");
      assertThat(metrics.statusCode()).isEqualTo(200);
      assertThat(metrics.headers().firstValue("Content-Type").orElseThrow())
          .startsWith("text/plain; version=0.0.4");
      assertThat(metrics.body())
          .contains("# TYPE qoe_probe_tests_run_total counter")
          .containsPattern(
              "qoe_probe_tests_run_total\\{probe_id=\"probe-status\",test=\"tcp\"} [1-9]")
          .containsPattern(
              "qoe_probe_tests_failed_total\\{probe_id=\"probe-status\",test=\"tcp\"} [1-9]")
          .contains("qoe_probe_publish_latency_ms_count{probe_id=\"probe-status\"}")
          .contains("qoe_probe_spool_entries{probe_id=\"probe-status\"} 0")
          .contains("# TYPE qoe_probe_measurements_rejected_total counter")
          .contains("qoe_probe_measurements_rejected_total{probe_id=\"probe-status\"} 0");
      assertThat(get(at, "/nothing").statusCode()).isEqualTo(404);
    }
  }

  @Test
  void showsTheSpoolGrowingWhileKafkaIsUnreachable() throws Exception {
    int noBroker = closedPort();
    SpooledKafkaSink kafka =
        new SpooledKafkaSink(
            new KafkaSettings("127.0.0.1:" + noBroker, Topics.MEASUREMENTS),
            "status-test",
            DiskSpool.open(spoolDir, 1 << 20));
    try (ServerSocket db = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Probe probe = Probe.create(config(db.getLocalPort(), closedPort()), kafka).start()) {
      InetSocketAddress at = probe.statusAddress().orElseThrow();
      long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      String body = get(at, "/metrics").body();
      while (!body.matches("(?s).*qoe_probe_spool_entries\\{[^}]*} [1-9].*")
          || !body.matches("(?s).*qoe_probe_measurements_failed_total\\{[^}]*} [1-9].*")) {
        assertThat(System.nanoTime())
            .as("spool entries and failures in:%n%s", body)
            .isLessThan(end);
        Thread.sleep(100); // polling a condition with a deadline
        body = get(at, "/metrics").body();
      }
      assertThat(body)
          .containsPattern("qoe_probe_measurements_spooled_total\\{[^}]*} [1-9]")
          .containsPattern("qoe_probe_spool_bytes\\{[^}]*} [1-9]")
          .contains("qoe_probe_measurements_published_total{probe_id=\"probe-status\"} 0");
    } finally {
      kafka.close();
    }
    assertThat(kafka.spool().entries()).isPositive();
  }
}
