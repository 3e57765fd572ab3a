package net.qoe.probe.tests;

import java.util.List;

/**
 * Statistics of one run's per-packet round-trip times, in send order with null for a lost packet.
 *
 * <p>Jitter is the RFC 3550 interarrival-jitter estimator applied to consecutive received packets
 * in sequence order: with D the difference of their RTTs (the same as the difference of their
 * transit times, the clocks cancel), J += (|D| − J) / 16, starting from 0. The Flink job computes
 * the same from rtt_ms, so a probe's figure and the job's agree.
 *
 * @param avgMs mean RTT of received packets; NaN when none was received
 * @param minMs smallest RTT; NaN when none was received
 * @param maxMs largest RTT; NaN when none was received
 * @param jitterMs RFC 3550 jitter; 0 with fewer than two received packets
 * @param lossPct lost / sent × 100
 */
public record RttSummary(
    int sent,
    int received,
    double avgMs,
    double minMs,
    double maxMs,
    double jitterMs,
    double lossPct) {

  public static RttSummary of(List<Double> rttMs) {
    int sent = rttMs.size();
    int received = 0;
    double sum = 0;
    double min = Double.NaN;
    double max = Double.NaN;
    double jitter = 0;
    Double previous = null;
    for (Double rtt : rttMs) {
      if (rtt == null) {
        continue;
      }
      received++;
      sum += rtt;
      min = received == 1 ? rtt : Math.min(min, rtt);
      max = received == 1 ? rtt : Math.max(max, rtt);
      if (previous != null) {
        jitter += (Math.abs(rtt - previous) - jitter) / 16;
      }
      previous = rtt;
    }
    double avg = received == 0 ? Double.NaN : sum / received;
    double loss = sent == 0 ? 0 : 100.0 * (sent - received) / sent;
    return new RttSummary(sent, received, avg, min, max, jitter, loss);
  }
}
