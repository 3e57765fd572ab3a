package net.qoe.kafka.message;

import java.util.List;

/**
 * One lever change for one system under tuning, on {@code qoe.tuning}: set {@code lever} from
 * {@code fromValue} to {@code toValue}. {@code action} is {@code apply} or {@code rollback}; {@code
 * cost} is the lever's cost class (low: reload only, medium: restart, high: never auto-applied).
 * Signed like {@link TierCommand}.
 */
public record TuningCommand(
    int schema,
    String changeId,
    String system,
    String lever,
    String fromValue,
    String toValue,
    String action,
    String cost,
    String reason,
    long issuedMs,
    long expiresMs,
    String signature)
    implements Signed<TuningCommand> {

  public static final String APPLY = "apply";
  public static final String ROLLBACK = "rollback";

  /** Every value {@code action} may take (the enum of its JSON Schema). */
  public static final List<String> ACTIONS = List.of(APPLY, ROLLBACK);

  /** Every value {@code cost} may take: reload only, restart, infrastructure (never automatic). */
  public static final List<String> COSTS = List.of("low", "medium", "high");

  @Override
  public TuningCommand withSignature(String newSignature) {
    return new TuningCommand(
        schema,
        changeId,
        system,
        lever,
        fromValue,
        toValue,
        action,
        cost,
        reason,
        issuedMs,
        expiresMs,
        newSignature);
  }
}
