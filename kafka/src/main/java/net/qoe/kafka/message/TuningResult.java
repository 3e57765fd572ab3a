package net.qoe.kafka.message;

import java.util.List;

/**
 * What the tuning actuator did with a {@link TuningCommand}, on {@code qoe.tuning.results}. {@code
 * status} is applied, failed or rejected; {@code readBackValue} is the value read back from the
 * system after the change; {@code error} says why it failed or was rejected.
 */
public record TuningResult(
    int schema,
    String changeId,
    String system,
    String lever,
    String status,
    String requestedValue,
    String readBackValue,
    String error,
    String actuatorId,
    long completedMs,
    String signature)
    implements Signed<TuningResult> {

  public static final String APPLIED = "applied";
  public static final String FAILED = "failed";
  public static final String REJECTED = "rejected";

  /** Every value {@code status} may take (the enum of its JSON Schema). */
  public static final List<String> STATUSES = List.of(APPLIED, FAILED, REJECTED);

  @Override
  public TuningResult withSignature(String newSignature) {
    return new TuningResult(
        schema,
        changeId,
        system,
        lever,
        status,
        requestedValue,
        readBackValue,
        error,
        actuatorId,
        completedMs,
        newSignature);
  }
}
