package net.qoe.job.window;

import static net.qoe.job.window.Runs.failed;
import static net.qoe.job.window.Runs.http;
import static net.qoe.job.window.Runs.udp;
import static net.qoe.job.window.Runs.withMetrics;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.qoe.kafka.message.Measurement;
import net.qoe.kafka.message.SeriesKey;
import org.junit.jupiter.api.Test;

class SeriesAccumulatorTest {

  private static SeriesAggregate aggregate(Measurement run) {
    SeriesAccumulator acc = new SeriesAccumulator();
    acc.add(run);
    return acc.toAggregate(0, 0);
  }

  @Test
  void percentilesAreWithinOnePercentOfTheExactOrderStatistics() {
    Random random = new Random(20260101);
    int n = 100_000;
    double[] values = new double[n];
    SeriesAccumulator acc = new SeriesAccumulator();
    for (int i = 0; i < n; i++) {
      values[i] = Math.exp(3 + 0.8 * random.nextGaussian()); // log-normal, mu 3, sigma 0.8
      acc.add(http(i, values[i]));
    }
    MetricSummary s = acc.toAggregate(0, 0).metrics().get("total_ms");

    double[] sorted = values.clone();
    Arrays.sort(sorted);
    assertThat(s.count()).isEqualTo(n);
    assertThat(s.min()).isEqualTo(sorted[0]);
    assertThat(s.max()).isEqualTo(sorted[n - 1]);
    double sum = 0;
    for (double v : values) {
      sum += v; // the same order of additions as the accumulator: the mean is exact
    }
    assertThat(s.mean()).isEqualTo(sum / n);
    assertWithinOnePercent(s.p50(), orderStatistic(sorted, 0.50));
    assertWithinOnePercent(s.p90(), orderStatistic(sorted, 0.90));
    assertWithinOnePercent(s.p95(), orderStatistic(sorted, 0.95));
    assertWithinOnePercent(s.p99(), orderStatistic(sorted, 0.99));
    assertThat(s.sketch().length).isLessThan(2_048);
  }

  @Test
  void aSingleValueIsReportedExactly() {
    MetricSummary s = aggregate(http(0, 123.456)).metrics().get("total_ms");
    assertThat(List.of(s.min(), s.max(), s.mean(), s.p50(), s.p90(), s.p95(), s.p99()))
        .containsOnly(123.456);
  }

  @Test
  void windowJitterIsRfc3550OverThePacketSequenceAcrossRuns() {
    SeriesAccumulator acc = new SeriesAccumulator();
    // Run 1: 10, 12, 11, lost, 15, 14 -> |D| = 2, 1, 4 (15 pairs with 11 across the loss), 1
    //   J = 0.125, 0.1796875, 0.41845703125, 0.454803466796875 (see JitterTrackerTest)
    acc.add(udp(0, 10.0, 12.0, 11.0, null, 15.0, 14.0));
    // Run 2: 50, 50 -> no D between 14 and 50 (different runs); |D| = 0
    //   J = 0.454803466796875 + (0 - 0.454803466796875) / 16 = 0.426378250122070...
    acc.add(udp(1, 50.0, 50.0));
    SeriesAggregate a = acc.toAggregate(0, 0);

    double expected = 0.454803466796875 - 0.454803466796875 / 16;
    assertThat(a.jitterMs()).isCloseTo(expected, within(1e-15));
    assertThat(a.jitterMs()).isCloseTo(0.42637825012207031, within(1e-15));
    assertThat(a.jitterSamples()).isEqualTo(5);

    MetricSummary ipdv = a.metrics().get(SeriesAccumulator.IPDV);
    assertThat(ipdv.count()).isEqualTo(5);
    assertThat(ipdv.min()).isEqualTo(0.0);
    assertThat(ipdv.max()).isEqualTo(4.0);
    assertThat(ipdv.mean()).isEqualTo((2 + 1 + 4 + 1 + 0) / 5.0);
    MetricSummary rtt = a.metrics().get(SeriesAccumulator.RTT);
    assertThat(rtt.count()).isEqualTo(7);
    assertThat(rtt.min()).isEqualTo(10.0);
    assertThat(rtt.max()).isEqualTo(50.0);
  }

  @Test
  void lossSumsThePacketsOfEveryRunIncludingATotalLoss() {
    SeriesAccumulator acc = new SeriesAccumulator();
    acc.add(udp(0, 1.0, 2.0, 3.0, 4.0)); // 4 of 4
    acc.add(udp(1, 1.0, null, 3.0, null)); // 2 of 4
    acc.add(udp(2, null, null, null, null)); // 0 of 4
    SeriesAggregate a = acc.toAggregate(0, 0);
    assertThat(a.packetsSent()).isEqualTo(12);
    assertThat(a.packetsReceived()).isEqualTo(6);
    assertThat(a.lossPct()).isEqualTo(50.0);
    assertThat(a.metrics().get(SeriesAccumulator.RTT).count()).isEqualTo(6);

    // A run that reports only counts (a parsed system ping summary) adds to the same sums.
    acc.add(
        new Measurement(
            1, "p", "probe-1", "echo", "udp", 1, Runs.T0, true, null, null, 10, 9, Map.of()));
    a = acc.toAggregate(0, 0);
    assertThat(a.packetsSent()).isEqualTo(22);
    assertThat(a.packetsReceived()).isEqualTo(15);
    assertThat(a.lossPct()).isCloseTo(100.0 * 7 / 22, within(1e-12));
  }

  @Test
  void aWindowOfOnlyLostPacketsHasFullLossAndNoJitter() {
    SeriesAggregate a = aggregate(udp(0, null, null, null));
    assertThat(a.lossPct()).isEqualTo(100.0);
    assertThat(a.jitterMs()).isNull();
    assertThat(a.jitterSamples()).isZero();
    assertThat(a.metrics()).doesNotContainKey(SeriesAccumulator.RTT);
    assertThat(a.errorsByStage()).containsExactly(Map.entry("timeout", 1L));
  }

  @Test
  void testsWithoutPacketsHaveNoLossAndNoJitter() {
    SeriesAggregate a = aggregate(http(0, 5.0));
    assertThat(a.packetsSent()).isZero();
    assertThat(a.packetsReceived()).isZero();
    assertThat(a.lossPct()).isNull();
    assertThat(a.jitterMs()).isNull();
    assertThat(a.jitterSamples()).isZero();
  }

  @Test
  void failedRunsAreCountedByStageAndKeepTheirPartialTimings() {
    SeriesAccumulator acc = new SeriesAccumulator();
    acc.add(http(0, 20.0));
    acc.add(failed(1, "tls", 2));
    acc.add(failed(2, "tls", 1));
    acc.add(failed(3, "connect", 1));
    acc.add(
        new Measurement(
            1, "x", "probe-1", "web-1", "http", 1, Runs.T0, false, null, null, null, null,
            Map.of())); // failed without saying where
    SeriesAggregate a = acc.toAggregate(0, 0);

    assertThat(a.count()).isEqualTo(5);
    assertThat(a.okCount()).isEqualTo(1);
    assertThat(a.errorCount()).isEqualTo(4);
    assertThat(a.errorsByStage())
        .containsExactly(Map.entry("connect", 1L), Map.entry("tls", 2L), Map.entry("unknown", 1L));
    // the three failed runs timed DNS and connect before failing: those timings are kept
    assertThat(a.metrics().get("dns_ms").count()).isEqualTo(4);
    assertThat(a.metrics().get("connect_ms").count()).isEqualTo(3);
    assertThat(a.metrics().get("connect_ms").mean()).isEqualTo(1.5);
    assertThat(a.metrics().get("total_ms").count()).isEqualTo(1);
    assertThat(a.maxTier()).isEqualTo(2);
    assertThat(a.seriesKey()).isEqualTo(new SeriesKey("probe-1", "web-1", "http"));
  }

  @Test
  void valuesASketchMustNotHoldAreCountedAsRejectedPerMetric() {
    Map<String, Double> metrics = new HashMap<>();
    metrics.put("total_ms", -1.0); // a negative duration
    metrics.put("ttfb_ms", Double.NaN);
    metrics.put("bytes", Double.POSITIVE_INFINITY);
    metrics.put("status", null);
    metrics.put("cert_days_left", -3.0); // an expired certificate: negative, and kept
    metrics.put("dns_ms", 0.0); // zero is a valid duration
    metrics.put("throughput_mbps", Double.MAX_VALUE); // finite, but beyond what a sketch holds
    metrics.put("reordered", -Double.MAX_VALUE);
    SeriesAccumulator acc = new SeriesAccumulator();
    acc.add(withMetrics(0, metrics));
    acc.add(udp(1, 5.0, -2.0, 7.0)); // a negative RTT is dropped like a loss: 7 pairs with 5

    assertThat(acc.rejectedByMetric())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "total_ms", 1L,
                "ttfb_ms", 1L,
                "bytes", 1L,
                "status", 1L,
                "rtt_ms", 1L,
                "throughput_mbps", 1L,
                "reordered", 1L));
    assertThat(acc.rejectedValues()).isEqualTo(7);
    SeriesAggregate a = acc.toAggregate(0, 0);
    assertThat(a.metrics())
        .containsOnlyKeys("cert_days_left", "dns_ms", "rtt_ms", "ipdv_ms", "rtt_stddev_ms");
    MetricSummary cert = a.metrics().get("cert_days_left");
    assertThat(List.of(cert.min(), cert.p50(), cert.p99())).containsOnly(-3.0);
    assertThat(a.metrics().get("dns_ms").p50()).isEqualTo(0.0);
    assertThat(a.metrics().get("ipdv_ms").max()).isEqualTo(2.0);
    assertThat(a.jitterSamples()).isEqualTo(1);
  }

  @Test
  void rttStandardDeviationIsThePopulationDeviationOfEveryRttOfTheWindow() {
    SeriesAccumulator acc = new SeriesAccumulator();
    acc.add(udp(1, 10.0, 20.0, null, 30.0));
    acc.add(udp(2, 40.0));
    // RTTs 10, 20, 30, 40: mean 25, Σ(v − 25)² = 225 + 25 + 25 + 225 = 500, σ = √(500/4) = √125
    MetricSummary sd = acc.toAggregate(0, 0).metrics().get(SeriesAccumulator.RTT_STDDEV);
    assertThat(sd.count()).isEqualTo(4);
    assertThat(sd.mean()).isCloseTo(Math.sqrt(125), within(1e-12));
    assertThat(sd.min()).isEqualTo(sd.mean());
    assertThat(sd.max()).isEqualTo(sd.mean());
    assertThat(sd.p99()).isEqualTo(sd.mean());
    // one RTT: σ = 0; no RTT at all: no row
    SeriesAccumulator one = new SeriesAccumulator();
    one.add(udp(1, 7.5));
    assertThat(one.toAggregate(0, 0).metrics().get(SeriesAccumulator.RTT_STDDEV).mean()).isZero();
    SeriesAccumulator none = new SeriesAccumulator();
    none.add(udp(1, null, null));
    assertThat(none.toAggregate(0, 0).metrics()).doesNotContainKey(SeriesAccumulator.RTT_STDDEV);
  }

  @Test
  void runIpdvIsTheDifferenceOfConsecutiveRunsMeanRtts() {
    SeriesAccumulator acc = new SeriesAccumulator();
    acc.add(udp(1, 10.0, 20.0, 30.0)); // mean 20
    acc.add(udp(2, 40.0)); // mean 40: |D| = 20
    acc.add(udp(3, null, null)); // nothing received: no run RTT, the next pairs with run 2
    acc.add(udp(4, 35.0, null, 45.0)); // mean 40: |D| = 0
    acc.add(udp(0, 100.0)); // earlier than run 4, arriving late: paired with nothing
    acc.add(udp(5, 41.5)); // mean 41.5 against run 4: |D| = 1.5
    MetricSummary d = acc.toAggregate(0, 0).metrics().get(SeriesAccumulator.RUN_IPDV);
    assertThat(d.count()).isEqualTo(3);
    assertThat(d.min()).isZero();
    assertThat(d.max()).isEqualTo(20.0);
    assertThat(d.mean()).isCloseTo(21.5 / 3, within(1e-12));
    // within-run IPDV is separate: |20−10|, |30−20|, |45−35|
    assertThat(acc.toAggregate(0, 0).metrics().get(SeriesAccumulator.IPDV).count()).isEqualTo(3);
    // a single run has no pair
    SeriesAccumulator single = new SeriesAccumulator();
    single.add(udp(1, 10.0, 12.0));
    assertThat(single.toAggregate(0, 0).metrics()).doesNotContainKey(SeriesAccumulator.RUN_IPDV);
  }

  @Test
  void rttStandardDeviationMergesExactlyAcrossPartsAndRollups() {
    SeriesAccumulator left = new SeriesAccumulator();
    left.add(udp(1, 10.0, 20.0));
    SeriesAccumulator right = new SeriesAccumulator();
    right.add(udp(2, 30.0, null, 40.0));
    SeriesAccumulator merged = left.copy();
    merged.merge(right);
    assertThat(merged.toAggregate(0, 0).metrics().get(SeriesAccumulator.RTT_STDDEV).mean())
        .isCloseTo(Math.sqrt(125), within(1e-12));
    // from finished aggregates only, as a rollup sees them
    SeriesAccumulator rolled = SeriesAccumulator.of(left.toAggregate(1, 2));
    rolled.merge(SeriesAccumulator.of(right.toAggregate(2, 3)));
    assertThat(rolled.toAggregate(0, 0).metrics().get(SeriesAccumulator.RTT_STDDEV).mean())
        .isCloseTo(Math.sqrt(125), within(1e-12));
    assertThat(
            net.qoe.job.rollup.Rollups.merge(
                    List.of(left.toAggregate(1, 2), right.toAggregate(2, 3)), 1, 3)
                .metrics()
                .get(SeriesAccumulator.RTT_STDDEV)
                .mean())
        .isCloseTo(Math.sqrt(125), within(1e-12));
  }

  @Test
  void mergingTwoAccumulatorsEqualsAccumulatingEverythingIntoOne() {
    List<Measurement> all = mixedRuns(new Random(7), 3_000);
    SeriesAccumulator whole = new SeriesAccumulator();
    SeriesAccumulator left = new SeriesAccumulator();
    SeriesAccumulator right = new SeriesAccumulator();
    for (int i = 0; i < all.size(); i++) {
      whole.add(all.get(i));
      if (i < all.size() / 3) {
        left.add(all.get(i));
      } else {
        right.add(all.get(i));
      }
    }
    SeriesAggregate expected = whole.toAggregate(0, 0);
    left.merge(right);
    SeriesAggregate merged = left.toAggregate(0, 0);
    assertMergedEquals(merged, expected);
  }

  @Test
  void rollupsFromFinishedAggregatesEqualAccumulatingEverything() {
    List<Measurement> all = mixedRuns(new Random(11), 3_000);
    SeriesAccumulator whole = new SeriesAccumulator();
    List<SeriesAccumulator> minutes = new ArrayList<>();
    for (int m = 0; m < 5; m++) {
      minutes.add(new SeriesAccumulator());
    }
    for (int i = 0; i < all.size(); i++) {
      whole.add(all.get(i));
      minutes.get(i % 5).add(all.get(i));
    }
    SeriesAccumulator rollup = new SeriesAccumulator();
    for (SeriesAccumulator minute : minutes) {
      // only the finished 1-minute result survives: rebuild from it, as a 5-minute rollup would
      rollup.merge(SeriesAccumulator.of(minute.toAggregate(1, 2)));
    }
    assertMergedEquals(rollup.toAggregate(0, 0), whole.toAggregate(0, 0));
  }

  /** Counts and sketches merge exactly; means to rounding; J is the sample-weighted estimate. */
  private static void assertMergedEquals(SeriesAggregate merged, SeriesAggregate expected) {
    assertThat(merged.seriesKey()).isEqualTo(expected.seriesKey());
    assertThat(merged.count()).isEqualTo(expected.count());
    assertThat(merged.okCount()).isEqualTo(expected.okCount());
    assertThat(merged.errorsByStage()).isEqualTo(expected.errorsByStage()).isNotEmpty();
    assertThat(merged.packetsSent()).isEqualTo(expected.packetsSent());
    assertThat(merged.packetsReceived()).isEqualTo(expected.packetsReceived());
    assertThat(merged.lossPct()).isEqualTo(expected.lossPct());
    assertThat(merged.jitterSamples()).isEqualTo(expected.jitterSamples());
    assertThat(merged.jitterMs()).isCloseTo(expected.jitterMs(), within(0.5 * expected.jitterMs()));
    assertThat(merged.maxTier()).isEqualTo(expected.maxTier());
    assertThat(merged.metrics().keySet())
        .isEqualTo(expected.metrics().keySet())
        .contains(
            "total_ms",
            "dns_ms",
            "rtt_ms",
            "ipdv_ms",
            SeriesAccumulator.RTT_STDDEV,
            SeriesAccumulator.RUN_IPDV);
    for (String name : expected.metrics().keySet()) {
      MetricSummary m = merged.metrics().get(name);
      MetricSummary e = expected.metrics().get(name);
      if (name.equals(SeriesAccumulator.RUN_IPDV)) {
        // no run pairs across the boundary of two merged parts
        assertThat(m.count()).as(name).isLessThan(e.count()).isPositive();
        continue;
      }
      if (name.equals(SeriesAccumulator.RTT_STDDEV)) {
        // pooled from the parts' moments: exact to rounding
        assertThat(m.count()).as(name).isEqualTo(e.count());
        assertThat(m.mean()).as(name).isCloseTo(e.mean(), within(1e-9 * e.mean()));
        continue;
      }
      assertThat(m.count()).as(name).isEqualTo(e.count());
      assertThat(m.min()).as(name).isEqualTo(e.min());
      assertThat(m.max()).as(name).isEqualTo(e.max());
      assertThat(m.mean()).as(name).isCloseTo(e.mean(), within(1e-9 * Math.abs(e.mean())));
      // a DDSketch merge adds bin counts: the same bins, so the same quantiles
      assertThat(new double[] {m.p50(), m.p90(), m.p95(), m.p99()})
          .as(name)
          .containsExactly(e.p50(), e.p90(), e.p95(), e.p99());
    }
  }

  /**
   * HTTP runs (some failed) and UDP runs with losses in one accumulator: it does not check the
   * series, and this way every field takes part.
   */
  private static List<Measurement> mixedRuns(Random random, int n) {
    List<Measurement> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      switch (i % 10) {
        case 0 -> all.add(failed(i, i % 20 == 0 ? "timeout" : "tls", 1 + i % 3));
        case 1, 2 -> {
          Double[] rtts = new Double[5];
          for (int p = 0; p < rtts.length; p++) {
            rtts[p] = random.nextInt(8) == 0 ? null : 20 + random.nextGaussian() + p;
          }
          all.add(udp(i, rtts));
        }
        default -> all.add(http(i, Math.exp(2 + random.nextGaussian())));
      }
    }
    return all;
  }

  private static void assertWithinOnePercent(double actual, double exact) {
    assertThat(Math.abs(actual - exact) / exact)
        .as("relative error of %s against the exact %s", actual, exact)
        .isLessThanOrEqualTo(0.01);
  }

  /** The order statistic of rank q·(n−1), rounded down: what DDSketch's quantile approximates. */
  private static double orderStatistic(double[] sorted, double q) {
    return sorted[(int) Math.floor(q * (sorted.length - 1))];
  }
}
