package net.qoe.probe.tests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import net.qoe.kafka.message.Measurement;
import net.qoe.probe.config.TargetConfig;
import net.qoe.probe.config.TestSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DnsMeasurementTest {

  private static final TestContext CTX = new TestContext("probe-d", 1, Duration.ofSeconds(2));

  private LocalDns dns;

  /**
   * A tiny authoritative responder on 127.0.0.1: "www.example.test" has one A record (192.0.2.1)
   * and no AAAA; every other name is NXDOMAIN; "slow.example.test" is never answered.
   */
  private static final class LocalDns implements AutoCloseable {
    final DatagramSocket socket;
    final Thread thread;

    LocalDns() throws IOException {
      socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      thread = new Thread(this::serve, "local-dns");
      thread.setDaemon(true);
      thread.start();
    }

    private void serve() {
      byte[] buf = new byte[512];
      while (!socket.isClosed()) {
        DatagramPacket in = new DatagramPacket(buf, buf.length);
        try {
          socket.receive(in);
          byte[] query = Arrays.copyOf(buf, in.getLength());
          String name = name(query);
          if (name.equals("slow.example.test")) {
            continue;
          }
          int qtype = ((query[query.length - 4] & 0xff) << 8) | (query[query.length - 3] & 0xff);
          boolean known = name.equals("www.example.test");
          boolean hasRecord = known && qtype == DnsTest.TYPE_A;
          ByteBuffer out = ByteBuffer.allocate(512);
          out.put(query, 0, 2); // id
          out.putShort((short) (0x8400 | 0x0100 | (known ? 0 : 3))); // QR AA RD, rcode
          out.putShort((short) 1).putShort((short) (hasRecord ? 1 : 0));
          out.putShort((short) 0).putShort((short) 0);
          out.put(query, 12, query.length - 12); // the question
          if (hasRecord) {
            out.putShort((short) 0xc00c).putShort((short) 1).putShort((short) 1);
            out.putInt(60).putShort((short) 4).put(new byte[] {(byte) 192, 0, 2, 1});
          }
          socket.send(new DatagramPacket(out.array(), out.position(), in.getSocketAddress()));
        } catch (IOException e) {
          // closed, or a bad datagram
        }
      }
    }

    private static String name(byte[] q) {
      StringBuilder sb = new StringBuilder();
      int i = 12;
      while (q[i] != 0) {
        int len = q[i];
        if (sb.length() > 0) {
          sb.append('.');
        }
        sb.append(new String(q, i + 1, len, java.nio.charset.StandardCharsets.US_ASCII));
        i += len + 1;
      }
      return sb.toString();
    }

    int port() {
      return socket.getLocalPort();
    }

    @Override
    public void close() {
      socket.close();
    }
  }

  @BeforeEach
  void startResponder() throws IOException {
    dns = new LocalDns();
  }

  @AfterEach
  void stopResponder() {
    dns.close();
  }

  private Measurement query(String name, String type) {
    TestSpec spec =
        TestSpec.ofType(TestSpec.DNS)
            .withPort(dns.port())
            .withQuery(name)
            .withRecordType(type)
            .withTimeoutMs(2000);
    return new DnsTest().run(CTX, TargetConfig.of("resolver", "127.0.0.1", dns.port(), spec), spec);
  }

  @Test
  void timesAnAnsweredQuery() {
    Measurement m = query("www.example.test", "A");

    assertThat(m.ok()).as("%s", m.error()).isTrue();
    assertThat(m.metrics()).containsEntry("rcode", 0.0).containsEntry("answers", 1.0);
    assertThat(m.metrics().get("dns_ms")).isPositive().isLessThan(2000.0);
  }

  @Test
  void anUnknownNameFailsWithItsRcode() {
    Measurement m = query("nothing.example.test", "A");

    assertThat(m.ok()).isFalse();
    assertThat(m.error().stage()).isEqualTo(Stage.DNS);
    assertThat(m.error().message()).contains("NXDOMAIN");
    assertThat(m.metrics()).containsEntry("rcode", 3.0).containsKey("dns_ms");
  }

  @Test
  void anEmptyAnswerFails() {
    Measurement m = query("www.example.test", "AAAA");

    assertThat(m.ok()).isFalse();
    assertThat(m.error().message()).contains("no AAAA record");
    assertThat(m.metrics()).containsEntry("rcode", 0.0).containsEntry("answers", 0.0);
  }

  @Test
  void aResolverThatNeverAnswersTimesOutWithinTheBudget() {
    long start = System.nanoTime();
    Measurement m = query("slow.example.test", "A");

    assertThat(m.ok()).isFalse();
    assertThat(m.error().stage()).isEqualTo(Stage.TIMEOUT);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
  }

  @Test
  void buildsAStandardQuery() {
    byte[] q = DnsTest.query(0x1234, "a.bc", DnsTest.TYPE_AAAA);
    assertThat(q)
        .containsExactly(
            0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 2, 'b', 'c', 0, 0, 28, 0, 1);
  }
}
