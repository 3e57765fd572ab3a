package net.qoe.kafka.message;

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
