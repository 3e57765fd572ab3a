package net.qoe.probe.responder;

import java.nio.ByteBuffer;

/**
 * The UDP ping packet the responder echoes: magic, sequence number and the sender's {@code
 * System.nanoTime()} at sending, big-endian, 16 bytes. The responder sends it back unchanged, so
 * the sender can match a reply to its packet and time it on its own clock.
 */
public record EchoPacket(int sequence, long sendNanos) {

  /** "QOE1": identifies the protocol and its version. */
  public static final int MAGIC = 0x514F4531;

  public static final int SIZE = 16;

  public byte[] encode() {
    return ByteBuffer.allocate(SIZE).putInt(MAGIC).putInt(sequence).putLong(sendNanos).array();
  }

  /** Whether the bytes carry this protocol; anything else is someone else's traffic. */
  public static boolean isEchoPacket(byte[] data, int offset, int length) {
    return length >= SIZE && ByteBuffer.wrap(data, offset, length).getInt() == MAGIC;
  }

  /** The packet in these bytes, or null when they are not one. */
  public static EchoPacket decode(byte[] data, int offset, int length) {
    if (!isEchoPacket(data, offset, length)) {
      return null;
    }
    ByteBuffer buffer = ByteBuffer.wrap(data, offset, length);
    buffer.getInt();
    return new EchoPacket(buffer.getInt(), buffer.getLong());
  }
}
