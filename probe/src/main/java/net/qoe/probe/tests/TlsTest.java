package net.qoe.probe.tests;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import net.qoe.kafka.message.Measurement;
import net.qoe.probe.config.TargetConfig;
import net.qoe.probe.config.TestSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS: connects, times the handshake, and judges the certificate the server sent. The handshake
 * itself accepts any certificate so that an untrusted or expired one is still measured; the chain
 * is then checked against the trust store. Metrics: dns_ms, connect_ms, tls_ms, tls_version (1.2,
 * 1.3), chain_valid (1/0), cert_days_left (negative once expired), total_ms. An invalid chain fails
 * the run at stage tls with the reason, keeping every metric; the cipher suite goes to the log.
 */
public final class TlsTest implements ProbeTest {

  public static final String NAME = TestSpec.TLS;
  private static final Logger LOG = LoggerFactory.getLogger(TlsTest.class);
  private static final double MS_PER_DAY = 86_400_000.0;

  private final X509TrustManager trust;

  /** Judges chains against the JVM's default trust store. */
  public TlsTest() {
    this(defaultTrust());
  }

  /** Judges chains against {@code trust} (a private CA, or a test's own certificate). */
  public TlsTest(X509TrustManager trust) {
    this.trust = trust;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Measurement run(TestContext ctx, TargetConfig target, TestSpec spec) {
    return ctx.measure(
        target.name(),
        NAME,
        m -> {
          Deadline deadline = Deadline.after(ctx.timeout());
          long start = System.nanoTime();
          InetAddress address = Resolver.resolve(target.host(), deadline, m);
          try (Socket plain = new Socket()) {
            TcpConnectTest.connect(plain, address, spec.port(), deadline, m);
            X509Certificate[] chain = handshake(plain, target.host(), spec.port(), deadline, m);
            m.elapsed("total_ms", start);
            judge(chain, m);
          } catch (IOException e) {
            // Only close() is left in here.
          }
        });
  }

  private X509Certificate[] handshake(
      Socket plain, String host, int port, Deadline deadline, MeasurementBuilder m)
      throws StageFailure, IOException {
    SSLSocket tls =
        (SSLSocket)
            AcceptAnyCertificate.CONTEXT.getSocketFactory().createSocket(plain, host, port, true);
    tls.setSoTimeout(deadline.socketTimeoutMillis("tls handshake"));
    long start = System.nanoTime();
    try {
      tls.startHandshake();
    } catch (SocketTimeoutException e) {
      throw deadline.expired("tls handshake");
    } catch (SSLException e) {
      throw new StageFailure(Stage.TLS, "tls handshake: " + e.getMessage());
    }
    m.elapsed("tls_ms", start);
    String protocol = tls.getSession().getProtocol();
    m.metric("tls_version", tlsVersion(protocol));
    LOG.debug("tls {}:{}: {} {}", host, port, protocol, tls.getSession().getCipherSuite());
    Certificate[] certs = tls.getSession().getPeerCertificates();
    X509Certificate[] chain = new X509Certificate[certs.length];
    for (int i = 0; i < certs.length; i++) {
      chain[i] = (X509Certificate) certs[i];
    }
    return chain;
  }

  private void judge(X509Certificate[] chain, MeasurementBuilder m) throws StageFailure {
    double daysLeft = (chain[0].getNotAfter().getTime() - System.currentTimeMillis()) / MS_PER_DAY;
    m.metric("cert_days_left", Math.round(daysLeft * 100) / 100.0);
    try {
      // A trust anchor's own dates are not checked by PKIX, so check every certificate's here.
      for (X509Certificate cert : chain) {
        cert.checkValidity();
      }
      trust.checkServerTrusted(chain, "UNKNOWN");
      m.metric("chain_valid", 1);
    } catch (CertificateExpiredException e) {
      m.metric("chain_valid", 0);
      throw new StageFailure(
          Stage.TLS, "certificate chain not valid: certificate expired (" + e.getMessage() + ")");
    } catch (CertificateException e) {
      m.metric("chain_valid", 0);
      throw new StageFailure(Stage.TLS, "certificate chain not valid: " + reason(e));
    }
  }

  private static String reason(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + t.getMessage() + ")";
  }

  /** "TLSv1.3" → 1.3; 0 for a protocol name it does not know. */
  static double tlsVersion(String protocol) {
    if (protocol != null && protocol.startsWith("TLSv")) {
      try {
        return Double.parseDouble(protocol.substring(4));
      } catch (NumberFormatException e) {
        return 0;
      }
    }
    return 0;
  }

  private static X509TrustManager defaultTrust() {
    try {
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init((KeyStore) null);
      for (TrustManager tm : tmf.getTrustManagers()) {
        if (tm instanceof X509TrustManager x) {
          return x;
        }
      }
      throw new IllegalStateException("no X509 trust manager in this JVM");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot load the default trust store", e);
    }
  }
}
