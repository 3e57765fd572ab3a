package net.qoe.probe.autoperf;

/**
 * One tier change of a (probe, target) pair as the probe applied it.
 *
 * @param atMs when the probe applied it
 * @param target the target whose tier changed
 * @param fromTier the tier before
 * @param toTier the tier after
 * @param reason the job's reason (with its numbers), or why the probe changed tier by itself
 * @param durationMs how long the pair had been in {@code fromTier}
 * @param commandId the command that caused it; null when the command expired
 */
public record Trigger(
    long atMs,
    String target,
    int fromTier,
    int toTier,
    String reason,
    long durationMs,
    String commandId) {

  public boolean escalation() {
    return toTier > fromTier;
  }
}
