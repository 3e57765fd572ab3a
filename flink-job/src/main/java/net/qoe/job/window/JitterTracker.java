package net.qoe.job.window;

/**
 * The RFC 3550 (section 6.4.1, appendix A.8) interarrival-jitter estimator over per-packet
 * round-trip times: for each received packet after the first of its run, D = rtt(i) - rtt(prev) and
 * J += (|D| - J) / 16. With round-trip times the sender's and receiver's clocks cancel, so D is the
 * difference of the two packets' transit times, as in the RFC.
 *
 * <p>Pairs span consecutive <em>received</em> packets: a lost packet is skipped, so the packet
 * after a loss is paired with the last one received before it. This is what RFC 3550 does (J is
 * updated for every packet received, against the previous packet received) and what the probe's own
 * {@code jitter_ms} does, so the two figures agree. No D is formed across two runs (their packets
 * are a test interval apart, not a send interval), but J itself carries over from run to run, so
 * its warm-up from 0 is paid once per window rather than once per short run.
 */
public final class JitterTracker {

  private double jitter;
  private long samples;
  // The last received RTT of the current run; NaN at the start of a run.
  private double previous = Double.NaN;

  public JitterTracker() {}

  /** A tracker holding an estimate from elsewhere (state, a finished window), between runs. */
  public static JitterTracker of(double jitterMs, long samples) {
    if (samples < 0) {
      throw new IllegalArgumentException("samples must be >= 0, was " + samples);
    }
    JitterTracker t = new JitterTracker();
    t.jitter = samples == 0 ? 0 : jitterMs;
    t.samples = samples;
    return t;
  }

  /** Starts a new run: its first received packet forms no difference with the last one seen. */
  public void startRun() {
    previous = Double.NaN;
  }

  /**
   * Feeds the next packet of the run in send order, null for a lost packet.
   *
   * @return |D| against the previous received packet of this run (one IPDV sample), or NaN when no
   *     difference was formed (lost packet, first packet of the run)
   */
  public double observe(Double rttMs) {
    if (rttMs == null) {
      return Double.NaN;
    }
    double d = Double.NaN;
    if (!Double.isNaN(previous)) {
      d = Math.abs(rttMs - previous);
      jitter += (d - jitter) / 16.0;
      samples++;
    }
    previous = rttMs;
    return d;
  }

  /** J in milliseconds; 0 before the first sample. */
  public double jitter() {
    return jitter;
  }

  /** How many differences (IPDV samples) J has seen. */
  public long samples() {
    return samples;
  }

  /**
   * Combines two trackers when windows or sessions merge. J is a recursive estimate whose value
   * depends on the order of every sample, so two estimates cannot be combined exactly; the result
   * is their mean weighted by sample count. It equals either side when the other has no sample,
   * stays between the two, and is symmetric, so it does not depend on which side merges into which.
   * The merged tracker is between runs.
   */
  public void merge(JitterTracker other) {
    long total = samples + other.samples;
    if (total > 0) {
      jitter = (jitter * samples + other.jitter * other.samples) / total;
    }
    samples = total;
    previous = Double.NaN;
  }

  public JitterTracker copy() {
    JitterTracker t = of(jitter, samples);
    t.previous = previous;
    return t;
  }

  @Override
  public String toString() {
    return "JitterTracker[J=" + jitter + " ms, samples=" + samples + "]";
  }
}
