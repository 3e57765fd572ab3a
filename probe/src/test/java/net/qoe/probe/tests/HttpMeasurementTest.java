package net.qoe.probe.tests;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import net.qoe.kafka.message.Measurement;
import net.qoe.probe.SelfSignedCertificate;
import net.qoe.probe.config.ProbeConfig;
import net.qoe.probe.config.TargetConfig;
import net.qoe.probe.config.TestSpec;
import net.qoe.probe.responder.DelayHttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HttpMeasurementTest {

  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  private HttpServer server;

  @BeforeEach
  void startServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(LOOPBACK, 0), 10);
    server.createContext(
        "/hello", ex -> respond(ex, 200, "hello, probe".getBytes(StandardCharsets.UTF_8)));
    server.createContext("/broken", ex -> respond(ex, 500, "it broke".getBytes()));
    server.createContext("/missing", ex -> respond(ex, 404, new byte[0]));
    server.createContext(
        "/chunked",
        ex -> {
          ex.sendResponseHeaders(200, 0); // length 0 means chunked in the JDK server
          try (OutputStream out = ex.getResponseBody()) {
            for (int i = 0; i < 3; i++) {
              out.write(new byte[1000]);
              out.flush();
            }
            out.write(new byte[234]);
          }
        });
    server.start();
  }

  @AfterEach
  void stopServer() {
    server.stop(0);
  }

  private static void respond(HttpExchange ex, int status, byte[] body) throws IOException {
    try (ex) {
      ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
      if (body.length > 0) {
        ex.getResponseBody().write(body);
      }
    }
  }

  private String url(String path) {
    return "http://localhost:" + server.getAddress().getPort() + path;
  }

  @Test
  void timesEveryPhaseOfAPlainRequest() {
    Measurement m = run(TestSpec.http(url("/hello")));

    assertThat(m.ok()).as("%s", m).isTrue();
    assertThat(m.test()).isEqualTo("http");
    assertThat(m.target()).isEqualTo("web");
    assertThat(m.probeId()).isEqualTo("probe-t");
    assertThat(m.tier()).isEqualTo(1);
    assertThat(m.metrics())
        .containsKeys("dns_ms", "connect_ms", "ttfb_ms", "transfer_ms", "total_ms")
        .doesNotContainKey("tls_ms")
        .containsEntry("status", 200.0)
        .containsEntry("bytes", 12.0);
    for (String phase : List.of("dns_ms", "connect_ms", "ttfb_ms", "total_ms")) {
      assertThat(m.metric(phase)).as(phase).isPositive();
    }
    assertThat(m.metric("transfer_ms")).isNotNegative();
    assertThat(m.metric("total_ms"))
        .isGreaterThanOrEqualTo(m.metric("connect_ms") + m.metric("ttfb_ms"));
  }

  @Test
  void countsTheDecodedBytesOfAChunkedBody() {
    Measurement m = run(TestSpec.http(url("/chunked")));

    assertThat(m.ok()).as("%s", m).isTrue();
    assertThat(m.metric("bytes")).isEqualTo(3234.0);
  }

  @Test
  void aServerErrorFailsAtTheHttpStageAndKeepsTheTimings() {
    Measurement m = run(TestSpec.http(url("/broken")));

    assertThat(m.ok()).isFalse();
    assertThat(m.error().stage()).isEqualTo("http");
    assertThat(m.error().message()).contains("500");
    assertThat(m.metrics())
        .containsKeys("dns_ms", "connect_ms", "ttfb_ms", "total_ms")
        .containsEntry("status", 500.0)
        .containsEntry("bytes", 8.0);
  }

  @Test
  void expectStatusDecidesWhatIsASuccess() {
    assertThat(run(TestSpec.http(url("/missing")).withExpectStatus(List.of(404))).ok()).isTrue();
    Measurement strict = run(TestSpec.http(url("/hello")).withExpectStatus(List.of(204)));
    assertThat(strict.ok()).isFalse();
    assertThat(strict.error().message()).isEqualTo("status 200, expected one of [204]");
  }

  @Test
  void aClosedPortIsRefusedAfterResolving() throws IOException {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
      closedPort = s.getLocalPort();
    }
    Measurement m = run(TestSpec.http("http://localhost:" + closedPort + "/"));

    assertThat(m.ok()).isFalse();
    assertThat(m.error().stage()).isEqualTo("refused");
    assertThat(m.metrics()).containsKey("dns_ms").doesNotContainKey("connect_ms");
  }

  @Test
  void aServerThatNeverAnswersTimesOutWithinTheTimeout() throws IOException {
    // The kernel completes the handshake from the backlog; nobody ever reads or writes.
    try (ServerSocket silent = new ServerSocket(0, 10, LOOPBACK)) {
      long start = System.nanoTime();
      Measurement m =
          run(TestSpec.http("http://localhost:" + silent.getLocalPort() + "/").withTimeoutMs(300));
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

      assertThat(m.ok()).isFalse();
      assertThat(m.error().stage()).isEqualTo("timeout");
      assertThat(m.error().message()).contains("first response byte").contains("300 ms");
      assertThat(m.metrics()).containsKeys("dns_ms", "connect_ms").doesNotContainKey("ttfb_ms");
      assertThat(tookMs).isBetween(250L, 1500L);
    }
  }

  @Test
  void httpsTimesTheHandshakeAndReadsTheCertificateExpiry(@TempDir Path dir) throws Exception {
    try (DelayHttpServer https =
        DelayHttpServer.https("127.0.0.1", 0, SelfSignedCertificate.serverContext(dir, 30))
            .start()) {
      String url = "https://localhost:" + https.port() + "/";

      Measurement m = run(TestSpec.http(url).withInsecureSkipVerify(true));

      assertThat(m.ok()).as("%s", m).isTrue();
      assertThat(m.metric("tls_ms")).isPositive();
      assertThat(m.metric("cert_days_left")).isBetween(29.0, 30.01);
      assertThat(m.metric("ttfb_ms")).isPositive();
      assertThat(m.metric("status")).isEqualTo(200.0);
    }
  }

  @Test
  void anUntrustedCertificateFailsAtTheTlsStageAndKeepsTheConnectTime(@TempDir Path dir)
      throws Exception {
    try (DelayHttpServer https =
        DelayHttpServer.https("127.0.0.1", 0, SelfSignedCertificate.serverContext(dir, 30))
            .start()) {
      Measurement m = run(TestSpec.http("https://localhost:" + https.port() + "/"));

      assertThat(m.ok()).isFalse();
      assertThat(m.error().stage()).isEqualTo("tls");
      assertThat(m.metrics()).containsKeys("dns_ms", "connect_ms").doesNotContainKey("tls_ms");
    }
  }

  @Test
  void theAddedDelayOfTheDemoServerShowsInTheTimeToFirstByte() throws IOException {
    try (DelayHttpServer slow = DelayHttpServer.http("127.0.0.1", 0).start()) {
      slow.setDelayMs(150);
      Measurement m = run(TestSpec.http(slow.url().toString()));

      assertThat(m.ok()).as("%s", m).isTrue();
      assertThat(m.metric("ttfb_ms")).isGreaterThanOrEqualTo(150.0);

      slow.setStatus(503);
      assertThat(run(TestSpec.http(slow.url().toString())).error().stage()).isEqualTo("http");
    }
  }

  /** Runs the spec the way the probe does: completed by the config, then the test. */
  static Measurement run(TestSpec spec) {
    ProbeConfig config =
        ProbeConfig.builder()
            .probeId("probe-t")
            .defaultTimeoutMs(2000)
            .target(TargetConfig.of("web", null, null, spec))
            .build();
    TargetConfig target = config.targets().get(0);
    TestSpec resolved = target.tests().get(0);
    return new HttpTest().run(new TestContext("probe-t", 1, resolved.timeout()), target, resolved);
  }
}
