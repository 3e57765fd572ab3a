package net.qoe.kafka.message;

import java.util.List;

/**
 * An escalation or de-escalation for one (probe, target) pair, on {@code qoe.commands}, keyed by
 * probe id. {@code reason} carries the numbers that caused it. The signature is an HMAC-SHA256 over
 * the canonical body (see {@link net.qoe.kafka.serde.MessageSigner}).
 */
public record TierCommand(
    int schema,
    String commandId,
    String probeId,
    String target,
    int fromTier,
    int toTier,
    List<String> tests,
    String reason,
    long issuedMs,
    long expiresMs,
    String signature)
    implements Signed<TierCommand> {

  public TierCommand {
    tests = tests == null ? List.of() : List.copyOf(tests);
  }

  @Override
  public TierCommand withSignature(String newSignature) {
    return new TierCommand(
        schema,
        commandId,
        probeId,
        target,
        fromTier,
        toTier,
        tests,
        reason,
        issuedMs,
        expiresMs,
        newSignature);
  }

  public boolean escalates() {
    return toTier > fromTier;
  }
}
