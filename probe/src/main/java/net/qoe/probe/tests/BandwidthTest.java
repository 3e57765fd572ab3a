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
 * connect_ms, bytes (received by the sink), transfer_ms, throughput_mbps (megabits per second).
 */
public final class BandwidthTest implements ProbeTest {

  public static final String NAME = TestSpec.BANDWIDTH;
  private static final long MAX_SEND_NANOS = 10_000_000_000L;

  private final long maxSendNanos;

  /** Sends for at most 10 s. */
  public BandwidthTest() {
    this(java.time.Duration.ofNanos(MAX_SEND_NANOS));
  }

  /**
   * Sends for at most {@code maxSend} (still no more than half the run's timeout): AutoPerf's quick
   * (10 s) and full (60 s) tests.
   */
  public BandwidthTest(java.time.Duration maxSend) {
    if (maxSend.isNegative() || maxSend.isZero()) {
      throw new IllegalArgumentException("the sending time must be positive: " + maxSend);
    }
    this.maxSendNanos = maxSend.toNanos();
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
          try (Socket socket = new Socket()) {
            TcpConnectTest.connect(socket, address, spec.port(), deadline, m);
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
          } catch (IOException e) {
            throw new StageFailure(
                Stage.IO, "bandwidth to " + target.host() + ": " + e.getMessage());
          }
        });
  }
}
