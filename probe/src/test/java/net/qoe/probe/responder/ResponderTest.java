package net.qoe.probe.responder;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class ResponderTest {

  @Test
  void echoesItsPacketsUnchangedAndCountsGarbageWithoutStopping() throws Exception {
    try (Responder responder = Responder.onLoopback().start();
        DatagramSocket client = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      client.connect(InetAddress.getLoopbackAddress(), responder.udpPort());
      client.setSoTimeout(2000);

      client.send(new DatagramPacket(new byte[] {1, 2, 3}, 3));
      client.send(new DatagramPacket(new byte[3000], 3000));
      byte[] hello = "not an echo packet, but long enough".getBytes();
      client.send(new DatagramPacket(hello, hello.length));
      byte[] ping = new EchoPacket(7, 123456789L).encode();
      client.send(new DatagramPacket(ping, ping.length));

      DatagramPacket reply = new DatagramPacket(new byte[64], 64);
      client.receive(reply);

      assertThat(EchoPacket.decode(reply.getData(), 0, reply.getLength()))
          .isEqualTo(new EchoPacket(7, 123456789L));
      assertThat(reply.getLength()).isEqualTo(EchoPacket.SIZE);
      // Datagrams on loopback arrive in order, so the garbage was seen before the ping.
      assertThat(responder.garbage()).isEqualTo(3);
      assertThat(responder.echoed()).isEqualTo(1);
    }
  }

  @Test
  void echoPacketsRoundTripThroughTheirEncoding() {
    EchoPacket p = new EchoPacket(42, -5L);
    byte[] bytes = p.encode();

    assertThat(EchoPacket.decode(bytes, 0, bytes.length)).isEqualTo(p);
    assertThat(EchoPacket.decode(bytes, 0, bytes.length - 1)).isNull();
    bytes[0] = 0;
    assertThat(EchoPacket.decode(bytes, 0, bytes.length)).isNull();
  }
}
