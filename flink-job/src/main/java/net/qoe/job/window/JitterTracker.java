package net.qoe.job.window;

/**
 * RFC 3550 interarrival jitter over a sequence of packet round-trip times: for consecutive received
 * packets, D = rtt(i) - rtt(i-1) and J += (|D| - J) / 16.
 *
 * <p>A lost packet breaks the pair: D is only formed between packets received one after the other
 * in send order, so a loss does not count as a jump in delay. Likewise no D is formed across two
 * runs (their packets are seconds apart); J itself carries over, so its warm-up is spread over the
 * window rather than restarted for every short run.
 */
public final class JitterTracker {

  private double jitter;
  private long samples;
  private Double previous;

  public JitterTracker() {}

  JitterTracker(double jitter, long samples) {
    this.jitter = jitter;
    this.samples = samples;
  }

  /** Starts a new run: the next packet forms no difference with the last one seen. */
  public void startRun() {
    previous = null;
  }

  /** Feeds the next packet of the run in send order; null for a lost packet. */
  public double observe(Double rttMs) {
    if (rttMs == null) {
      previous = null;
      return Double.NaN;
    }
    double d = Double.NaN;
    if (previous != null) {
      d = Math.abs(rttMs - previous);
      jitter += (d - jitter) / 16.0;
      samples++;
    }
    previous = rttMs;
    return d;
  }

  public double jitter() {
    return jitter;
  }

  public long samples() {
    return samples;
  }

  /**
   * Combines two windows' trackers (e.g. for rollups): J is not decomposable, so the result is the
   * sample-weighted mean of both estimates, which is what a reader of either would expect.
   */
  public void merge(JitterTracker other) {
    long total = samples + other.samples;
    if (total > 0) {
      jitter = (jitter * samples + other.jitter * other.samples) / total;
    }
    samples = total;
    previous = null;
  }
}
