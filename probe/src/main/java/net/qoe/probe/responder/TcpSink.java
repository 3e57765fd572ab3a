package net.qoe.probe.responder;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The far end of bandwidth tests: reads and discards whatever a client sends until the client shuts
 * its side down, then answers with the byte count (8 bytes, big-endian) and closes, so the client
 * times the transfer up to the last byte actually received. A client that starts with {@link
 * #DOWNLOAD_MAGIC} and a duration in milliseconds (8 bytes, big-endian) asks for the other
 * direction instead: the sink sends to it for that long, then closes. A few clients at a time.
 */
public final class TcpSink implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(TcpSink.class);

  public static final int DEFAULT_TCP_PORT = 2001;
  private static final int MAX_CLIENTS = 4;

  /** The first bytes of a download request; an upload sends zeros, so the two never mix up. */
  public static final byte[] DOWNLOAD_MAGIC = "QOEDOWN1".getBytes(StandardCharsets.US_ASCII);

  /** The longest download a client may ask for. */
  public static final long MAX_DOWNLOAD_MS = 120_000;

  private static final int IDLE_TIMEOUT_MS = 30_000;

  private final InetSocketAddress bindAddress;
  private final ExecutorService clients =
      Executors.newFixedThreadPool(
          MAX_CLIENTS,
          r -> {
            Thread t = new Thread(r, "tcp-sink-client");
            t.setDaemon(true);
            return t;
          });
  private volatile ServerSocket server;
  private volatile long maxBytesPerSecond;
  private Thread acceptor;

  public TcpSink(String bindAddress, int port) {
    this.bindAddress = new InetSocketAddress(bindAddress, port);
  }

  public static TcpSink onLoopback() {
    return new TcpSink(InetAddress.getLoopbackAddress().getHostAddress(), 0);
  }

  public synchronized TcpSink start() throws IOException {
    ServerSocket s = new ServerSocket();
    s.bind(bindAddress, 16);
    server = s;
    acceptor = new Thread(this::accept, "tcp-sink");
    acceptor.setDaemon(true);
    acceptor.start();
    LOG.info("tcp sink listening on {}", s.getLocalSocketAddress());
    return this;
  }

  /**
   * Reads no faster than this from now on (0: unlimited), which is how tests and the local stack
   * make a bandwidth test see a slow path.
   */
  public void setMaxBytesPerSecond(long rate) {
    if (rate < 0) {
      throw new IllegalArgumentException("rate must be 0 or more: " + rate);
    }
    maxBytesPerSecond = rate;
  }

  public int port() {
    return server.getLocalPort();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        clients.execute(() -> drain(client, this));
      } catch (IOException e) {
        if (!server.isClosed()) {
          LOG.warn("tcp sink: accept failed: {}", e.toString());
        }
      } catch (java.util.concurrent.RejectedExecutionException e) {
        return; // closing
      }
    }
  }

  private static void drain(Socket client, TcpSink sink) {
    try (client) {
      client.setSoTimeout(IDLE_TIMEOUT_MS);
      InputStream in = client.getInputStream();
      byte[] buf = new byte[64 * 1024];
      // the first 16 bytes tell a download request from an upload
      int head = 0;
      int r;
      while (head < 16 && (r = in.read(buf, head, 16 - head)) >= 0) {
        head += r;
      }
      if (head == 16 && Arrays.equals(buf, 0, 8, DOWNLOAD_MAGIC, 0, 8)) {
        long millis = ByteBuffer.wrap(buf, 8, 8).getLong();
        send(client, Math.max(0, Math.min(MAX_DOWNLOAD_MS, millis)), sink);
        return;
      }
      long total = head;
      long start = System.nanoTime();
      int n;
      while ((n = in.read(buf, 0, chunk(buf, sink.maxBytesPerSecond))) >= 0) {
        total += n;
        // hold back until the bytes read so far fit the rate: the sender's window fills up
        if (!holdBack(start, total, sink.maxBytesPerSecond)) {
          return;
        }
      }
      DataOutputStream out = new DataOutputStream(client.getOutputStream());
      out.writeLong(total);
      out.flush();
    } catch (IOException e) {
      LOG.debug("tcp sink: client ended: {}", e.toString());
    }
  }

  /**
   * Throttling: sleeps until {@code total} bytes since {@code start} fit {@code rate} bytes/s (no
   * limit when the rate is 0 or less). False when interrupted, with the interrupt kept.
   */
  private static boolean holdBack(long start, long total, long rate) {
    if (rate <= 0) {
      return true;
    }
    long wait = start + (long) (total * 1e9 / rate) - System.nanoTime();
    if (wait > 0) {
      try {
        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }

  /** Sends zeros to the client for {@code millis} (at the throttled rate, if any), then closes. */
  private static void send(Socket client, long millis, TcpSink sink) throws IOException {
    OutputStream out = client.getOutputStream();
    byte[] buf = new byte[64 * 1024];
    long start = System.nanoTime();
    long until = start + millis * 1_000_000;
    long total = 0;
    while (System.nanoTime() < until) {
      long rate = sink.maxBytesPerSecond;
      int n = chunk(buf, rate);
      out.write(buf, 0, n);
      total += n;
      if (!holdBack(start, total, rate)) {
        return;
      }
    }
    out.flush();
    client.shutdownOutput();
  }

  private static int chunk(byte[] buf, long rate) {
    // small reads when throttled, so the pacing is smooth
    return rate > 0 ? (int) Math.max(1024, Math.min(buf.length, rate / 20)) : buf.length;
  }

  @Override
  public void close() throws InterruptedException {
    try {
      if (server != null) {
        server.close();
      }
    } catch (IOException e) {
      LOG.debug("tcp sink: close: {}", e.toString());
    }
    clients.shutdownNow();
    clients.awaitTermination(5, TimeUnit.SECONDS);
    if (acceptor != null) {
      acceptor.join(5000);
    }
  }
}
