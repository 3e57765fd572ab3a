package net.qoe.probe.tests;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import net.qoe.kafka.message.Measurement;
import net.qoe.probe.config.TargetConfig;
import net.qoe.probe.config.TestSpec;

/**
 * TCP throughput to the responder's sink ({@code qoe-probe serve}, TCP port 2001 by default): sends
 * for half of the run's timeout (at most 10 s), then waits for the sink's count of bytes received,
 * so the time covers the last byte's arrival, not just the local socket buffer. Metrics:
 * connect_ms, bytes (received by the sink), transfer_ms, throughput_mbps (megabits per second). A
 * bidirectional run also asks the sink, on a second connection, to send for the same time
 * (AutoPerf's tier-3 test) and adds download_bytes, download_ms and download_mbps.
 */
public final class BandwidthTest implements ProbeTest {

  public static final String NAME = TestSpec.BANDWIDTH;
  private static final long MAX_SEND_NANOS = 10_000_000_000L;

  private final long maxSendNanos;
  private final boolean bidirectional;

  /** Sends for at most 10 s. */
  public BandwidthTest() {
    this(java.time.Duration.ofNanos(MAX_SEND_NANOS));
  }

  /**
   * Sends for at most {@code maxSend} (still no more than half the run's timeout): AutoPerf's quick
   * (10 s) and full (60 s) tests.
   */
  public BandwidthTest(java.time.Duration maxSend) {
    this(maxSend, false);
  }

  /** The same, and with {@code bidirectional} also receiving from the sink for that long. */
  public BandwidthTest(java.time.Duration maxSend, boolean bidirectional) {
    if (maxSend.isNegative() || maxSend.isZero()) {
      throw new IllegalArgumentException("the sending time must be positive: " + maxSend);
    }
    this.maxSendNanos = maxSend.toNanos();
    this.bidirectional = bidirectional;
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
          long sendFor = Math.min(maxSendNanos, deadline.remainingNanos() / 2);
          InetAddress address = Resolver.resolve(target.host(), deadline, m);
          java.util.concurrent.FutureTask<long[]> download = null;
          try (Socket socket = new Socket()) {
            TcpConnectTest.connect(socket, address, spec.port(), deadline, m);
            if (bidirectional) {
              download = startDownload(address, spec.port(), sendFor, deadline);
            }
            byte[] chunk = new byte[64 * 1024];
            OutputStream out = socket.getOutputStream();
            long start = System.nanoTime();
            long until = start + sendFor;
            while (System.nanoTime() < until) {
              out.write(chunk);
            }
            out.flush();
            socket.shutdownOutput();
            socket.setSoTimeout(deadline.socketTimeoutMillis("bandwidth sink's count"));
            long received;
            try {
              received = new DataInputStream(socket.getInputStream()).readLong();
            } catch (SocketTimeoutException e) {
              throw deadline.expired("bandwidth sink's count");
            }
            long nanos = System.nanoTime() - start;
            m.metric("bytes", received);
            m.metric("transfer_ms", nanos / 1e6);
            m.metric("throughput_mbps", received * 8.0 / (nanos / 1e9) / 1e6);
            if (download != null) {
              long[] got = awaitDownload(download, deadline);
              m.metric("download_bytes", got[0]);
              m.metric("download_ms", got[1] / 1e6);
              m.metric("download_mbps", got[0] * 8.0 / (got[1] / 1e9) / 1e6);
            }
          } catch (IOException e) {
            throw new StageFailure(
                Stage.IO, "bandwidth to " + target.host() + ": " + e.getMessage());
          } finally {
            if (download != null) {
              download.cancel(true);
            }
          }
        });
  }

  /**
   * Asks the sink, on its own connection, to send for {@code sendForNanos}; the task returns the
   * bytes received and the nanoseconds from the request to the sink's close.
   */
  private static java.util.concurrent.FutureTask<long[]> startDownload(
      InetAddress address, int port, long sendForNanos, Deadline deadline) throws StageFailure {
    int timeoutMs = deadline.socketTimeoutMillis("bandwidth download");
    java.util.concurrent.FutureTask<long[]> task =
        new java.util.concurrent.FutureTask<>(
            () -> {
              try (Socket socket = new Socket()) {
                socket.connect(new java.net.InetSocketAddress(address, port), timeoutMs);
                socket.setSoTimeout(timeoutMs);
                java.io.DataOutputStream out =
                    new java.io.DataOutputStream(socket.getOutputStream());
                long start = System.nanoTime();
                out.write(net.qoe.probe.responder.TcpSink.DOWNLOAD_MAGIC);
                out.writeLong(Math.max(1, sendForNanos / 1_000_000));
                out.flush();
                java.io.InputStream in = socket.getInputStream();
                byte[] buf = new byte[64 * 1024];
                long total = 0;
                int n;
                while ((n = in.read(buf)) >= 0) {
                  total += n;
                }
                return new long[] {total, System.nanoTime() - start};
              }
            });
    Thread t = new Thread(task, "bandwidth-download");
    t.setDaemon(true);
    t.start();
    return task;
  }

  private static long[] awaitDownload(
      java.util.concurrent.FutureTask<long[]> download, Deadline deadline) throws StageFailure {
    try {
      return download.get(
          Math.max(1, deadline.remainingNanos()), java.util.concurrent.TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw deadline.expired("bandwidth download");
    } catch (java.util.concurrent.ExecutionException e) {
      throw new StageFailure(Stage.IO, "bandwidth download: " + e.getCause().getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StageFailure(Stage.INTERNAL, "interrupted while waiting for the download");
    }
  }
}
