package net.qoe.probe.tests;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Arrays;
import net.qoe.kafka.message.Measurement;
import net.qoe.probe.config.TargetConfig;
import net.qoe.probe.config.TestSpec;
import net.qoe.probe.responder.EchoPacket;

/**
 * UDP ping against a responder's echo: {@code packets} sequence-numbered packets {@code
 * packet_interval_ms} apart, each reply matched to its packet by sequence and send time. A packet
 * whose reply does not come within {@code reply_timeout_ms} is lost (null in rtt_ms).
 *
 * <p>Metrics: dns_ms, rtt_avg_ms, rtt_min_ms, rtt_max_ms, loss_pct, reordered (replies that came
 * after a reply to a later packet), jitter_ms (RFC 3550, see {@link RttSummary}). Some loss is a
 * result, not a failure; a run with no reply at all fails at stage "timeout", and an ICMP port
 * unreachable (nothing listening) at stage "refused".
 */
public final class UdpPingTest implements ProbeTest {

  public static final String NAME = TestSpec.UDP;

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Measurement run(TestContext ctx, TargetConfig target, TestSpec spec) {
    return ctx.measure(target.name(), NAME, m -> ping(ctx, target, spec, m));
  }

  private static void ping(
      TestContext ctx, TargetConfig target, TestSpec spec, MeasurementBuilder m)
      throws StageFailure {
    Deadline deadline = Deadline.after(ctx.timeout());
    InetAddress address = Resolver.resolve(target.host(), deadline, m);
    Exchange exchange =
        new Exchange(spec.packets(), spec.packetIntervalMs(), spec.replyTimeoutMs());
    String where = TargetConfig.hostPort(address.getHostAddress(), spec.port());
    StageFailure failure = null;
    try (DatagramChannel channel = DatagramChannel.open();
        Selector selector = Selector.open()) {
      // Connected, so that an ICMP port unreachable surfaces as PortUnreachableException.
      channel.connect(new InetSocketAddress(address, spec.port()));
      channel.configureBlocking(false);
      channel.register(selector, SelectionKey.OP_READ);
      exchange.run(channel, selector, deadline);
    } catch (PortUnreachableException e) {
      failure =
          new StageFailure(
              Stage.REFUSED, "nothing listens on udp " + where + " (port unreachable)");
    } catch (IOException e) {
      failure = new StageFailure(Stage.IO, "udp " + where + ": " + e.getMessage());
    }

    var rtts = Arrays.asList(Arrays.copyOf(exchange.rttMs, exchange.sent));
    RttSummary summary = RttSummary.of(rtts);
    m.packets(rtts, summary.sent(), summary.received());
    if (summary.sent() > 0) {
      m.metric("loss_pct", summary.lossPct());
      m.metric("reordered", exchange.reordered);
    }
    if (summary.received() > 0) {
      m.metric("rtt_avg_ms", summary.avgMs());
      m.metric("rtt_min_ms", summary.minMs());
      m.metric("rtt_max_ms", summary.maxMs());
    }
    if (summary.received() > 1) {
      m.metric("jitter_ms", summary.jitterMs());
    }
    if (failure != null) {
      throw failure;
    }
    if (summary.received() == 0) {
      throw new StageFailure(
          Stage.TIMEOUT,
          "no reply from udp "
              + where
              + " to any of "
              + summary.sent()
              + " packets within "
              + spec.replyTimeoutMs()
              + " ms");
    }
  }

  /**
   * One run's packets: sends on schedule and, in between, takes the replies. Waiting is a
   * selector's timed select, not a socket timeout: a timed-out receive throws, and a run waits out
   * every gap between its packets, so that was an exception per packet.
   */
  private static final class Exchange {
    final int count;
    final long gapNanos;
    final long replyWaitNanos;
    final Double[] rttMs;
    final long[] sentAt;
    int sent;
    int received;
    int reordered;
    int highestAnswered = -1;

    Exchange(int count, int gapMs, int replyWaitMs) {
      this.count = count;
      this.gapNanos = gapMs * 1_000_000L;
      this.replyWaitNanos = replyWaitMs * 1_000_000L;
      this.rttMs = new Double[count];
      this.sentAt = new long[count];
    }

    void run(DatagramChannel channel, Selector selector, Deadline deadline) throws IOException {
      // Big enough to see that an oversized reply is not one of ours.
      ByteBuffer in = ByteBuffer.allocate(EchoPacket.SIZE * 4);
      long first = System.nanoTime();
      long collectUntil = 0;
      while (true) {
        long now = System.nanoTime();
        if (sent < count && now - (first + sent * gapNanos) >= 0) {
          channel.write(ByteBuffer.wrap(new EchoPacket(sent, now).encode()));
          sentAt[sent++] = now;
          if (sent == count) {
            collectUntil = now + replyWaitNanos;
          }
          continue;
        }
        boolean allSent = sent == count;
        if (allSent && (received == count || now - collectUntil >= 0) || deadline.passed()) {
          return;
        }
        long wakeAt = allSent ? collectUntil : first + sent * gapNanos;
        long waitNanos = Math.min(wakeAt - now, deadline.remainingNanos());
        selector.select(Math.max(1, (waitNanos + 999_999) / 1_000_000));
        selector.selectedKeys().clear();
        // Every reply that is there; a read on a connected channel also reports port unreachable.
        while (true) {
          in.clear();
          int length = channel.read(in);
          if (length <= 0) {
            break;
          }
          accept(EchoPacket.decode(in.array(), 0, length), System.nanoTime());
        }
      }
    }

    private void accept(EchoPacket echo, long arrived) {
      if (echo == null || echo.sequence() < 0 || echo.sequence() >= sent) {
        return; // not a reply to this run
      }
      int seq = echo.sequence();
      if (echo.sendNanos() != sentAt[seq] || rttMs[seq] != null) {
        return; // forged, corrupted or duplicated
      }
      long rttNanos = arrived - echo.sendNanos();
      if (rttNanos > replyWaitNanos) {
        return; // too late: counted as lost, the same rule for every packet
      }
      rttMs[seq] = rttNanos / 1e6;
      received++;
      if (seq < highestAnswered) {
        reordered++;
      } else {
        highestAnswered = seq;
      }
    }
  }
}
