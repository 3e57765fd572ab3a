package net.qoe.probe.tests;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import net.qoe.kafka.message.Measurement;
import net.qoe.probe.config.TargetConfig;
import net.qoe.probe.config.TestSpec;

/**
 * Port scan: a TCP connect to each listed port of the target. Only targets in the probe's own
 * configuration are ever scanned (the config is the allowlist; commands cannot add targets).
 * Metrics: open_ports, closed_ports (refused or silent), port_N (1 open, 0 not), total_ms. The
 * budget is shared evenly by the ports, so a filtered host cannot make the run overrun.
 */
public final class PortScanTest implements ProbeTest {

  public static final String NAME = TestSpec.PORT_SCAN;

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
          int open = 0;
          int closed = 0;
          int left = spec.ports().size();
          for (int port : spec.ports()) {
            int budget =
                (int) Math.max(1, deadline.remainingNanos() / 1_000_000 / Math.max(1, left));
            left--;
            boolean isOpen = false;
            try (Socket socket = new Socket()) {
              socket.connect(new InetSocketAddress(address, port), budget);
              isOpen = true;
            } catch (IOException e) {
              // refused, timed out or unreachable: not open
            }
            m.metric("port_" + port, isOpen ? 1 : 0);
            if (isOpen) {
              open++;
            } else {
              closed++;
            }
          }
          m.metric("open_ports", open);
          m.metric("closed_ports", closed);
          m.elapsed("total_ms", start);
        });
  }
}
