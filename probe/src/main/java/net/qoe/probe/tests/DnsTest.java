package net.qoe.probe.tests;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;
import net.qoe.kafka.message.Measurement;
import net.qoe.probe.config.TargetConfig;
import net.qoe.probe.config.TestSpec;

/**
 * DNS: one timed query over UDP to a chosen resolver (the target's host), for the test's {@code
 * query} name and record type (A or AAAA), bypassing the host's own resolver and cache. Metrics:
 * dns_ms (query sent → answer received), rcode, answers. A non-zero rcode or an empty answer fails
 * the run at stage dns.
 */
public final class DnsTest implements ProbeTest {

  public static final String NAME = TestSpec.DNS;

  static final int TYPE_A = 1;
  static final int TYPE_AAAA = 28;
  private static final String[] RCODES = {
    "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"
  };

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
          InetAddress resolver = Resolver.resolve(target.host(), deadline, m);
          int id = ThreadLocalRandom.current().nextInt(0x10000);
          int type = "AAAA".equals(spec.recordType()) ? TYPE_AAAA : TYPE_A;
          byte[] query = query(id, spec.query(), type);
          String where = TargetConfig.hostPort(resolver.getHostAddress(), spec.port());
          try (DatagramSocket socket = new DatagramSocket()) {
            socket.connect(new InetSocketAddress(resolver, spec.port()));
            long start = System.nanoTime();
            socket.send(new DatagramPacket(query, query.length));
            Answer answer = receive(socket, id, deadline, where);
            m.elapsed("dns_ms", start);
            m.metric("rcode", answer.rcode());
            m.metric("answers", answer.answers());
            if (answer.rcode() != 0) {
              throw new StageFailure(
                  Stage.DNS,
                  where + " answered " + rcodeName(answer.rcode()) + " for " + spec.query());
            }
            if (answer.answers() == 0) {
              throw new StageFailure(
                  Stage.DNS,
                  where + " has no " + spec.recordType() + " record for " + spec.query());
            }
          } catch (IOException e) {
            throw new StageFailure(Stage.DNS, "query to " + where + ": " + e.getMessage());
          }
        });
  }

  /** The parts of a response the test reports. */
  record Answer(int id, boolean response, int rcode, int answers) {}

  private static Answer receive(DatagramSocket socket, int id, Deadline deadline, String where)
      throws IOException, StageFailure {
    byte[] buf = new byte[1500];
    while (true) {
      socket.setSoTimeout(deadline.socketTimeoutMillis("dns answer from " + where));
      DatagramPacket packet = new DatagramPacket(buf, buf.length);
      try {
        socket.receive(packet);
      } catch (SocketTimeoutException e) {
        throw deadline.expired("dns answer from " + where);
      }
      Answer a = parse(buf, packet.getLength());
      if (a != null && a.response() && a.id() == id) {
        return a;
      }
      // A stray or late datagram: keep waiting for ours.
    }
  }

  /** A standard query with recursion desired; the name in labels, one question. */
  static byte[] query(int id, String name, int type) {
    ByteBuffer b = ByteBuffer.allocate(512);
    b.putShort((short) id).putShort((short) 0x0100).putShort((short) 1);
    b.putShort((short) 0).putShort((short) 0).putShort((short) 0);
    String trimmed = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    for (String label : trimmed.split("\\.")) {
      byte[] bytes = label.getBytes(StandardCharsets.US_ASCII);
      if (bytes.length == 0 || bytes.length > 63) {
        throw new IllegalArgumentException("not a DNS name: " + name);
      }
      b.put((byte) bytes.length).put(bytes);
    }
    b.put((byte) 0).putShort((short) type).putShort((short) 1);
    byte[] out = new byte[b.position()];
    b.flip().get(out);
    return out;
  }

  /** The header of a response; null when too short to be one. */
  static Answer parse(byte[] bytes, int length) {
    if (length < 12) {
      return null;
    }
    ByteBuffer b = ByteBuffer.wrap(bytes, 0, length);
    int id = b.getShort() & 0xffff;
    int flags = b.getShort() & 0xffff;
    b.getShort(); // questions
    int answers = b.getShort() & 0xffff;
    return new Answer(id, (flags & 0x8000) != 0, flags & 0x000f, answers);
  }

  static String rcodeName(int rcode) {
    return rcode < RCODES.length ? RCODES[rcode] : "rcode " + rcode;
  }
}
