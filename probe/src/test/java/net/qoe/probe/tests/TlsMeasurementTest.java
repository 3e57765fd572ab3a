package net.qoe.probe.tests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import net.qoe.kafka.message.Measurement;
import net.qoe.probe.SelfSignedCertificate;
import net.qoe.probe.config.TargetConfig;
import net.qoe.probe.config.TestSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsMeasurementTest {

  private static final TestContext CTX = new TestContext("probe-t", 1, Duration.ofSeconds(5));

  @TempDir Path dir;

  /** A TLS server on loopback that completes handshakes until closed. */
  private static final class TlsServer implements AutoCloseable {
    final SSLServerSocket socket;
    final Thread thread;

    TlsServer(SSLContext context) throws IOException {
      socket =
          (SSLServerSocket)
              context
                  .getServerSocketFactory()
                  .createServerSocket(0, 10, InetAddress.getLoopbackAddress());
      thread =
          new Thread(
              () -> {
                while (!socket.isClosed()) {
                  try (SSLSocket client = (SSLSocket) socket.accept()) {
                    client.setSoTimeout(2000);
                    client.startHandshake();
                    client.getInputStream().read(); // until the probe closes
                  } catch (IOException e) {
                    // next client, or closed
                  }
                }
              });
      thread.setDaemon(true);
      thread.start();
    }

    int port() {
      return socket.getLocalPort();
    }

    @Override
    public void close() throws Exception {
      socket.close();
      thread.join(5000);
    }
  }

  private static Measurement run(ProbeTest test, int port) {
    TargetConfig target =
        TargetConfig.of("tls-target", "127.0.0.1", port, TestSpec.ofType(TestSpec.TLS));
    return test.run(CTX, target, TestSpec.ofType(TestSpec.TLS).withPort(port).withTimeoutMs(5000));
  }

  @Test
  void aTrustedCertificateExpiringInThreeDaysIsValidAndCountsItsDays() throws Exception {
    try (TlsServer server = new TlsServer(SelfSignedCertificate.serverContext(dir, 3))) {
      Measurement m = run(new TlsTest(SelfSignedCertificate.trustManager(dir)), server.port());

      assertThat(m.ok()).as("%s", m.error()).isTrue();
      assertThat(m.metrics()).containsEntry("chain_valid", 1.0);
      assertThat(m.metrics().get("cert_days_left")).isBetween(2.9, 3.01);
      assertThat(m.metrics().get("tls_version")).isIn(1.2, 1.3);
      assertThat(m.metrics()).containsKeys("connect_ms", "tls_ms", "total_ms");
    }
  }

  @Test
  void anExpiredCertificateIsMeasuredAndReportedInvalidWithTheReason() throws Exception {
    try (TlsServer server = new TlsServer(SelfSignedCertificate.serverContext(dir, "-10d", 5))) {
      Measurement m = run(new TlsTest(SelfSignedCertificate.trustManager(dir)), server.port());

      assertThat(m.ok()).isFalse();
      assertThat(m.error().stage()).isEqualTo(Stage.TLS);
      assertThat(m.error().message()).containsIgnoringCase("expired");
      assertThat(m.metrics()).containsEntry("chain_valid", 0.0);
      assertThat(m.metrics().get("cert_days_left")).isBetween(-5.01, -4.9);
      assertThat(m.metrics()).containsKey("tls_ms");
    }
  }

  @Test
  void aSelfSignedCertificateIsNotTrustedByTheDefaultTrustStore() throws Exception {
    try (TlsServer server = new TlsServer(SelfSignedCertificate.serverContext(dir, 3))) {
      Measurement m = run(new TlsTest(), server.port());

      assertThat(m.ok()).isFalse();
      assertThat(m.error().message()).startsWith("certificate chain not valid");
      assertThat(m.metrics()).containsEntry("chain_valid", 0.0).containsKey("cert_days_left");
    }
  }

  @Test
  void readsTheProtocolVersionAsANumber() {
    assertThat(TlsTest.tlsVersion("TLSv1.3")).isEqualTo(1.3);
    assertThat(TlsTest.tlsVersion("TLSv1.2")).isEqualTo(1.2);
    assertThat(TlsTest.tlsVersion("SSLv3")).isZero();
  }
}
