package net.qoe.probe.tests;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import net.qoe.kafka.message.Measurement;
import net.qoe.probe.config.TargetConfig;
import net.qoe.probe.config.TestSpec;

/**
 * HTTP(S) GET over a socket of its own, so that each phase is timed on its own: dns_ms, connect_ms,
 * tls_ms (https), ttfb_ms (request written → first response byte), transfer_ms (first → last body
 * byte), total_ms; plus status, bytes (body size) and, for https, cert_days_left of the server's
 * certificate. Redirects are not followed: a 3xx is the answer of this URL.
 *
 * <p>Certificates are checked against the JVM's default trust store unless the test sets {@code
 * insecure_skip_verify}. A status outside {@code expect_status} (default 2xx/3xx) fails the run at
 * stage "http" with every timing kept.
 */
public final class HttpTest implements ProbeTest {

  public static final String NAME = TestSpec.HTTP;

  private static final String USER_AGENT = "qoe-probe/1";
  private static final long DAY_MS = 86_400_000L;

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Measurement run(TestContext ctx, TargetConfig target, TestSpec spec) {
    return ctx.measure(target.name(), NAME, m -> fetch(ctx, spec, m));
  }

  private void fetch(TestContext ctx, TestSpec spec, MeasurementBuilder m) throws StageFailure {
    Deadline deadline = Deadline.after(ctx.timeout());
    long start = System.nanoTime();
    URI url = URI.create(spec.url());
    boolean https = "https".equalsIgnoreCase(url.getScheme());
    String host = unbracket(url.getHost());
    int port = url.getPort() > 0 ? url.getPort() : https ? 443 : 80;

    InetAddress address = Resolver.resolve(host, deadline, m);
    Socket socket = new Socket();
    try {
      socket.setTcpNoDelay(true);
      TcpConnectTest.connect(socket, address, port, deadline, m);
      if (https) {
        socket = handshake(socket, host, port, spec.skipsTlsVerification(), deadline, m);
      }
      int status = exchange(socket, url, port, https, start, deadline, m);
      if (!spec.expectsStatus(status)) {
        String expected =
            spec.expectStatus() == null ? "2xx or 3xx" : "one of " + spec.expectStatus();
        m.fail(Stage.HTTP, "status " + status + ", expected " + expected);
      }
    } catch (IOException e) {
      // Socket set-up between the timed phases failed (an option, a stream): not a network stage.
      throw new StageFailure(Stage.IO, e.toString());
    } finally {
      closeQuietly(socket);
    }
  }

  private static SSLSocket handshake(
      Socket plain,
      String host,
      int port,
      boolean insecure,
      Deadline deadline,
      MeasurementBuilder m)
      throws StageFailure, IOException {
    SSLSocket tls =
        (SSLSocket) socketFactory(insecure).createSocket(plain, host, port, /* autoClose */ true);
    if (!insecure) {
      SSLParameters params = tls.getSSLParameters();
      params.setEndpointIdentificationAlgorithm("HTTPS");
      tls.setSSLParameters(params);
    }
    tls.setSoTimeout(deadline.socketTimeoutMillis("tls handshake"));
    long start = System.nanoTime();
    try {
      tls.startHandshake();
    } catch (SocketTimeoutException e) {
      throw deadline.expired("tls handshake");
    } catch (SSLException e) {
      throw new StageFailure(Stage.TLS, "tls handshake: " + rootMessage(e));
    } catch (IOException e) {
      throw new StageFailure(Stage.TLS, "tls handshake: " + e.getMessage());
    }
    m.elapsed("tls_ms", start);
    Certificate[] chain = tls.getSession().getPeerCertificates();
    if (chain.length > 0 && chain[0] instanceof X509Certificate leaf) {
      m.metric(
          "cert_days_left",
          (leaf.getNotAfter().getTime() - System.currentTimeMillis()) / (double) DAY_MS);
    }
    return tls;
  }

  /** Sends the request and reads the whole response; returns the status. */
  private static int exchange(
      Socket socket,
      URI url,
      int port,
      boolean https,
      long start,
      Deadline deadline,
      MeasurementBuilder m)
      throws StageFailure, IOException {
    long written;
    try {
      OutputStream out = socket.getOutputStream();
      out.write(request(url, port, https));
      out.flush();
      written = System.nanoTime();
    } catch (IOException e) {
      throw new StageFailure(Stage.IO, "sending the request: " + e.getMessage());
    }
    HttpResponseReader reader = new HttpResponseReader(socket, deadline);
    HttpResponseReader.Head head;
    try {
      head = reader.readHead();
    } catch (IOException e) {
      throw new StageFailure(Stage.IO, "reading the response: " + e.getMessage());
    } finally {
      if (reader.firstByteNanos() >= 0) {
        m.metric("ttfb_ms", (reader.firstByteNanos() - written) / 1e6);
      }
    }
    m.metric("status", head.status());
    long bytes;
    try {
      bytes = reader.readBody(head, false);
    } catch (IOException e) {
      throw new StageFailure(Stage.IO, "reading the response body: " + e.getMessage());
    }
    long end = System.nanoTime();
    m.metric("transfer_ms", (end - reader.firstByteNanos()) / 1e6);
    m.metric("total_ms", (end - start) / 1e6);
    m.metric("bytes", bytes);
    return head.status();
  }

  private static byte[] request(URI url, int port, boolean https) {
    String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
    if (url.getRawQuery() != null) {
      path += "?" + url.getRawQuery();
    }
    boolean defaultPort = port == (https ? 443 : 80);
    String hostHeader = defaultPort ? url.getHost() : url.getHost() + ":" + port;
    String request =
        "GET "
            + path
            + " HTTP/1.1\r\n"
            + "Host: "
            + hostHeader
            + "\r\n"
            + "User-Agent: "
            + USER_AGENT
            + "\r\n"
            + "Accept: */*\r\n"
            // One request per connection: every run measures a fresh connect and handshake.
            + "Connection: close\r\n"
            + "\r\n";
    return request.getBytes(StandardCharsets.ISO_8859_1);
  }

  private static SSLSocketFactory socketFactory(boolean insecure) {
    return insecure
        ? AcceptAnyCertificate.CONTEXT.getSocketFactory()
        : (SSLSocketFactory) SSLSocketFactory.getDefault();
  }

  private static String unbracket(String host) {
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + t.getMessage() + ")";
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // Nothing to do: the run is over and the result recorded.
    }
  }
}
