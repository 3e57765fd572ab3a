package net.qoe.probe;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/** A key and self-signed certificate for localhost, made by the JDK's keytool. */
public final class SelfSignedCertificate {

  private static final char[] PASSWORD = "changeit".toCharArray();

  private SelfSignedCertificate() {}

  /** A trust manager that trusts the certificate made in {@code dir}, and nothing else. */
  public static javax.net.ssl.X509TrustManager trustManager(Path dir) throws Exception {
    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(dir.resolve("server.p12"))) {
      keys.load(in, PASSWORD);
    }
    KeyStore trusted = KeyStore.getInstance("PKCS12");
    trusted.load(null, null);
    trusted.setCertificateEntry("server", keys.getCertificate("server"));
    javax.net.ssl.TrustManagerFactory tmf =
        javax.net.ssl.TrustManagerFactory.getInstance(
            javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trusted);
    return (javax.net.ssl.X509TrustManager) tmf.getTrustManagers()[0];
  }

  /** A server SSLContext for CN=localhost (SAN localhost, 127.0.0.1) valid for {@code days}. */
  public static SSLContext serverContext(Path dir, int days) throws Exception {
    return serverContext(dir, null, days);
  }

  /**
   * As {@link #serverContext(Path, int)}, valid from {@code startDate} in keytool's syntax ("-10d":
   * ten days ago), so that a test can make an already expired certificate.
   */
  public static SSLContext serverContext(Path dir, String startDate, int days) throws Exception {
    Path store = dir.resolve("server.p12");
    Path log = dir.resolve("keytool.log");
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    Process process =
        new ProcessBuilder(
                List.of(
                    keytool.toString(),
                    "-genkeypair",
                    "-alias",
                    "server",
                    "-keyalg",
                    "EC",
                    "-groupname",
                    "secp256r1",
                    "-dname",
                    "CN=localhost",
                    "-ext",
                    "SAN=dns:localhost,ip:127.0.0.1",
                    "-validity",
                    Integer.toString(days),
                    "-startdate",
                    startDate == null ? "+0d" : startDate,
                    "-storetype",
                    "PKCS12",
                    "-keystore",
                    store.toString(),
                    "-storepass",
                    new String(PASSWORD)))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
      process.destroyForcibly();
      throw new IllegalStateException("keytool failed: " + Files.readString(log));
    }
    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      keys.load(in, PASSWORD);
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, PASSWORD);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(kmf.getKeyManagers(), null, null);
    return context;
  }
}
