package net.qoe.probe.autoperf;

import java.util.List;
import java.util.UUID;
import net.qoe.kafka.message.TierCommand;
import net.qoe.kafka.serde.MessageSerde;
import net.qoe.kafka.serde.MessageSigner;

/** Tier commands as the job makes them, signed with a given secret. */
final class Commands {

  static final String SECRET = "autoperf-test-shared-secret";

  private Commands() {}

  static TierCommand command(String probe, String target, int from, int to, long ttlMs) {
    long now = System.currentTimeMillis();
    return new TierCommand(
        1,
        UUID.randomUUID().toString(),
        probe,
        target,
        from,
        to,
        List.of(),
        "test: tier " + from + " -> " + to,
        now,
        now + ttlMs,
        null);
  }

  static TierCommand signed(TierCommand c) {
    return MessageSigner.fromSecret(SECRET).sign(c);
  }

  static byte[] bytes(TierCommand c) {
    return MessageSerde.TIER_COMMAND.toBytes(c);
  }
}
