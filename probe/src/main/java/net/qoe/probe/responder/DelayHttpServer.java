package net.qoe.probe.responder;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;

/**
 * A small HTTP(S) target for demos and tests: answers every GET with a fixed body, after an added
 * delay and with a status that can both be changed while it runs, which is how the local stack
 * injects latency and error faults.
 */
public final class DelayHttpServer implements AutoCloseable {

  private static final byte[] BODY =
      "qoe delay server: this body is here to be measured\n".getBytes(StandardCharsets.UTF_8);
  private static final int THREADS = 8;

  private final HttpServer server;
  private final String scheme;
  private final ExecutorService executor;
  private final AtomicLong delayMs = new AtomicLong();
  private final AtomicInteger status = new AtomicInteger(200);
  private final AtomicLong requests = new AtomicLong();

  private DelayHttpServer(HttpServer server, String scheme) {
    this.server = server;
    this.scheme = scheme;
    AtomicInteger n = new AtomicInteger();
    this.executor =
        Executors.newFixedThreadPool(
            THREADS,
            r -> {
              Thread t = new Thread(r, "delay-http-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    server.createContext("/", this::handle);
  }

  /** A plain HTTP server; port 0 picks a free port. Call {@link #start()}. */
  public static DelayHttpServer http(String bindAddress, int port) throws IOException {
    return new DelayHttpServer(
        HttpServer.create(new InetSocketAddress(bindAddress, port), 50), "http");
  }

  /** An HTTPS server presenting the key and certificate of {@code tls}. */
  public static DelayHttpServer https(String bindAddress, int port, SSLContext tls)
      throws IOException {
    HttpsServer server = HttpsServer.create(new InetSocketAddress(bindAddress, port), 50);
    server.setHttpsConfigurator(new HttpsConfigurator(tls));
    return new DelayHttpServer(server, "https");
  }

  public DelayHttpServer start() {
    server.start();
    return this;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** The URL of the root page, e.g. http://127.0.0.1:41234/. */
  public URI url() {
    String host = server.getAddress().getAddress().getHostAddress();
    return URI.create(
        scheme + "://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port() + "/");
  }

  /** Added before every response from now on. */
  public void setDelayMs(long millis) {
    if (millis < 0) {
      throw new IllegalArgumentException("delay must be 0 or more: " + millis);
    }
    delayMs.set(millis);
  }

  public long delayMs() {
    return delayMs.get();
  }

  /** The status every response carries from now on (200 by default). */
  public void setStatus(int code) {
    if (code < 200 || code > 599) {
      throw new IllegalArgumentException("not a final HTTP status: " + code);
    }
    status.set(code);
  }

  public long requests() {
    return requests.get();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      requests.incrementAndGet();
      long delay = delayMs.get();
      if (delay > 0) {
        try {
          Thread.sleep(delay); // the injected fault itself
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
      exchange.sendResponseHeaders(status.get(), BODY.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(BODY);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
