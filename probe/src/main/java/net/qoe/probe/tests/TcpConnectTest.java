package net.qoe.probe.tests;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Locale;
import net.qoe.kafka.message.Measurement;
import net.qoe.probe.config.TargetConfig;
import net.qoe.probe.config.TestSpec;

/**
 * TCP connect: resolves the host first, then times the handshake alone on the resolved address, so
 * connect_ms is not inflated by a slow resolver. Metrics: dns_ms, connect_ms, total_ms.
 */
public final class TcpConnectTest implements ProbeTest {

  public static final String NAME = TestSpec.TCP;

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
          try (Socket socket = new Socket()) {
            connect(socket, address, spec.port(), deadline, m);
          } catch (IOException e) {
            // Only close() is left in here; the connection was measured.
          }
          m.elapsed("total_ms", start);
        });
  }

  /** Connects within the deadline and records connect_ms; refused and timed out are told apart. */
  static void connect(
      Socket socket, InetAddress address, int port, Deadline deadline, MeasurementBuilder m)
      throws StageFailure {
    String where = TargetConfig.hostPort(address.getHostAddress(), port);
    int timeout = deadline.socketTimeoutMillis("connect to " + where);
    long start = System.nanoTime();
    try {
      socket.connect(new InetSocketAddress(address, port), timeout);
    } catch (SocketTimeoutException e) {
      throw deadline.expired("connect to " + where);
    } catch (ConnectException e) {
      String reason = String.valueOf(e.getMessage());
      if (reason.toLowerCase(Locale.ROOT).contains("refused")) {
        throw new StageFailure(Stage.REFUSED, "connection to " + where + " refused");
      }
      throw new StageFailure(Stage.CONNECT, "connect to " + where + ": " + reason);
    } catch (IOException e) {
      throw new StageFailure(Stage.CONNECT, "connect to " + where + ": " + e.getMessage());
    }
    m.elapsed("connect_ms", start);
  }
}
