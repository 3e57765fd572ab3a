package net.qoe.probe.publish;

/**
 * How long publishing takes, from handing records to the producer to the broker's acknowledgement,
 * as a Prometheus summary without quantiles: a count, a sum and the largest value seen.
 */
public final class PublishLatency {

  private long count;
  private double sumMs;
  private double maxMs;

  /** Records {@code n} measurements acknowledged together after {@code ms}. */
  public synchronized void record(double ms, long n) {
    count += n;
    sumMs += ms * n;
    maxMs = Math.max(maxMs, ms);
  }

  public synchronized long count() {
    return count;
  }

  public synchronized double sumMs() {
    return sumMs;
  }

  public synchronized double maxMs() {
    return maxMs;
  }
}
