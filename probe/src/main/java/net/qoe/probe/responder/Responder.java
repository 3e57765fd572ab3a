package net.qoe.probe.responder;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The far end of the udp test: a UDP echo that sends {@link EchoPacket}s back unchanged.
 *
 * <p>Anything else is counted as garbage and dropped, so the responder cannot be used to reflect
 * arbitrary traffic at a third party. One thread and one buffer: its cost is bounded whatever
 * arrives. {@link #setDropEvery(int)} injects loss for demos and tests.
 */
public final class Responder implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Responder.class);

  public static final int DEFAULT_UDP_PORT = 2000;

  // Larger than any packet the probe sends, so an oversized datagram is seen, not truncated.
  private static final int BUFFER_BYTES = 2048;

  private final InetSocketAddress bindAddress;
  private final AtomicLong echoed = new AtomicLong();
  private final AtomicLong garbage = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicInteger dropEvery = new AtomicInteger();
  private volatile DatagramSocket socket;
  private volatile boolean closed;
  private Thread thread;
  private long valid;

  /**
   * @param bindAddress the address to listen on ("0.0.0.0" for all, "127.0.0.1" for tests)
   * @param udpPort the UDP port; 0 picks a free one (see {@link #udpPort()})
   */
  public Responder(String bindAddress, int udpPort) {
    this.bindAddress = new InetSocketAddress(bindAddress, udpPort);
  }

  public static Responder onLoopback() {
    return new Responder(InetAddress.getLoopbackAddress().getHostAddress(), 0);
  }

  /** Binds and starts echoing; returns this. */
  public synchronized Responder start() throws IOException {
    if (thread != null) {
      throw new IllegalStateException("already started");
    }
    socket = new DatagramSocket(bindAddress);
    thread = new Thread(this::serve, "responder-udp-" + socket.getLocalPort());
    thread.setDaemon(true);
    thread.start();
    LOG.info("responder: UDP echo on {}", socket.getLocalSocketAddress());
    return this;
  }

  /** The bound UDP port (the chosen one when started with port 0). */
  public int udpPort() {
    DatagramSocket s = socket;
    if (s == null) {
      throw new IllegalStateException("not started");
    }
    return s.getLocalPort();
  }

  /** Drops every n-th valid packet instead of echoing it (0: drop none). */
  public void setDropEvery(int n) {
    if (n < 0) {
      throw new IllegalArgumentException("n must be 0 or more: " + n);
    }
    dropEvery.set(n);
  }

  public long echoed() {
    return echoed.get();
  }

  /** Datagrams that were not echo packets. */
  public long garbage() {
    return garbage.get();
  }

  /** Valid packets dropped on purpose ({@link #setDropEvery(int)}). */
  public long dropped() {
    return dropped.get();
  }

  private void serve() {
    byte[] buffer = new byte[BUFFER_BYTES];
    DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
    while (!closed) {
      try {
        packet.setData(buffer);
        socket.receive(packet);
        if (packet.getLength() >= BUFFER_BYTES
            || !EchoPacket.isEchoPacket(buffer, packet.getOffset(), packet.getLength())) {
          garbage.incrementAndGet();
          continue;
        }
        int n = dropEvery.get();
        if (n > 0 && ++valid % n == 0) {
          dropped.incrementAndGet();
          continue;
        }
        // Counted first, so that a sender holding its reply also sees it counted.
        echoed.incrementAndGet();
        // The same packet object goes back: same bytes, to the sender's address.
        socket.send(packet);
      } catch (SocketException e) {
        if (!closed) {
          // Not our close: e.g. an ICMP error from a vanished sender; keep serving.
          LOG.debug("responder: {}", e.toString());
        }
      } catch (IOException | RuntimeException e) {
        LOG.warn("responder: could not echo a packet: {}", e.toString());
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    DatagramSocket s = socket;
    if (s != null) {
      s.close();
    }
    Thread t = thread;
    if (t != null) {
      try {
        t.join(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
