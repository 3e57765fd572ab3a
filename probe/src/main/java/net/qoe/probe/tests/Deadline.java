package net.qoe.probe.tests;

import java.time.Duration;

/** The end of a run's time budget; every phase gets what is left of it. */
public final class Deadline {

  private final long budgetMillis;
  private final long endNanos;

  private Deadline(Duration budget) {
    this.budgetMillis = budget.toMillis();
    this.endNanos = System.nanoTime() + budget.toNanos();
  }

  public static Deadline after(Duration budget) {
    return new Deadline(budget);
  }

  public long remainingNanos() {
    return endNanos - System.nanoTime();
  }

  public boolean passed() {
    return remainingNanos() <= 0;
  }

  /**
   * What is left, rounded up to whole milliseconds for a socket timeout (where 0 would mean
   * "forever"), or a timeout failure when nothing is left.
   */
  public int socketTimeoutMillis(String phase) throws StageFailure {
    long nanos = remainingNanos();
    if (nanos <= 0) {
      throw expired(phase);
    }
    return (int) Math.min(Integer.MAX_VALUE, Math.max(1, (nanos + 999_999) / 1_000_000));
  }

  public StageFailure expired(String phase) {
    return new StageFailure(
        Stage.TIMEOUT, phase + ": no result within the " + budgetMillis + " ms timeout");
  }
}
