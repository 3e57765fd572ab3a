package net.qoe.probe.autoperf;

import java.util.Set;
import java.util.function.LongSupplier;
import net.qoe.kafka.message.TierCommand;
import net.qoe.kafka.serde.MalformedMessageException;
import net.qoe.kafka.serde.MessageSerde;
import net.qoe.kafka.serde.MessageSigner;

/**
 * Decides whether a tier command from {@code qoe.commands} may be obeyed: it must decode, be
 * addressed to this probe, carry a valid HMAC-SHA256 signature, be unexpired, be new (not a replay
 * of an accepted command) and name a target of this probe's configuration. Never throws.
 */
public final class CommandVerifier {

  /** The outcome: an accepted command, or the reason and a sentence saying what was wrong. */
  public record Verdict(TierCommand command, Rejection rejection, String message) {
    public boolean accepted() {
      return rejection == null;
    }

    static Verdict accept(TierCommand c) {
      return new Verdict(c, null, null);
    }

    static Verdict reject(TierCommand c, Rejection r, String message) {
      return new Verdict(c, r, message);
    }
  }

  private final String probeId;
  private final MessageSigner signer;
  private final Set<String> targets;
  private final ReplayGuard replays;
  private final LongSupplier clock;

  /**
   * @param signer null when the probe has no secret: then every command is refused
   */
  public CommandVerifier(
      String probeId,
      MessageSigner signer,
      Set<String> targets,
      ReplayGuard replays,
      LongSupplier clock) {
    this.probeId = probeId;
    this.signer = signer;
    this.targets = Set.copyOf(targets);
    this.replays = replays;
    this.clock = clock;
  }

  /** Checks a record's value; an accepted command is remembered so that it cannot be replayed. */
  public Verdict verify(byte[] value) {
    TierCommand c;
    try {
      c = MessageSerde.TIER_COMMAND.fromBytes(value);
    } catch (MalformedMessageException e) {
      return Verdict.reject(null, Rejection.MALFORMED, e.getMessage());
    } catch (RuntimeException e) {
      return Verdict.reject(null, Rejection.MALFORMED, e.toString());
    }
    if (c.fromTier() < 1 || c.fromTier() > 3 || c.toTier() < 1 || c.toTier() > 3) {
      return Verdict.reject(
          c,
          Rejection.MALFORMED,
          "tiers must be 1-3 (from_tier " + c.fromTier() + ", to_tier " + c.toTier() + ")");
    }
    if (c.commandId().isBlank()) {
      return Verdict.reject(c, Rejection.MALFORMED, "command_id is empty");
    }
    if (!probeId.equals(c.probeId())) {
      return Verdict.reject(
          c, Rejection.MISADDRESSED, "addressed to probe " + c.probeId() + ", not " + probeId);
    }
    if (signer == null) {
      return Verdict.reject(
          c, Rejection.UNVERIFIABLE, "this probe has no command secret (QOE_COMMAND_SECRET)");
    }
    boolean valid;
    try {
      valid = signer.verify(c);
    } catch (RuntimeException e) {
      valid = false;
    }
    if (!valid) {
      return Verdict.reject(
          c,
          Rejection.FORGED,
          c.signature() == null || c.signature().isEmpty()
              ? "unsigned"
              : "the signature does not verify with this probe's secret");
    }
    long now = clock.getAsLong();
    if (c.expiresMs() <= now) {
      return Verdict.reject(c, Rejection.EXPIRED, "expired " + (now - c.expiresMs()) + " ms ago");
    }
    if (!targets.contains(c.target())) {
      return Verdict.reject(
          c, Rejection.UNKNOWN_TARGET, "target " + c.target() + " is not configured on this probe");
    }
    synchronized (replays) {
      if (replays.seen(c.commandId())) {
        return Verdict.reject(
            c, Rejection.REPLAYED, "command " + c.commandId() + " was seen before");
      }
      replays.remember(c.commandId(), c.expiresMs(), now);
    }
    return Verdict.accept(c);
  }
}
