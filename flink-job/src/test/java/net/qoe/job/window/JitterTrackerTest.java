package net.qoe.job.window;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class JitterTrackerTest {

  @Test
  void matchesAHandComputationOfRfc3550AcrossALostPacket() {
    // RTTs 10, 12, 11, lost, 15, 14 (ms). D pairs consecutive RECEIVED packets, so 15 pairs with
    // 11:
    //   |12 - 10| = 2 -> J = 0                 + (2 - 0)                 / 16 = 0.125
    //   |11 - 12| = 1 -> J = 0.125             + (1 - 0.125)             / 16 = 0.1796875
    //   lost          -> no update
    //   |15 - 11| = 4 -> J = 0.1796875         + (4 - 0.1796875)         / 16 = 0.41845703125
    //   |14 - 15| = 1 -> J = 0.41845703125     + (1 - 0.41845703125)     / 16 = 0.454803466796875
    // (every step is exact in binary floating point)
    JitterTracker j = new JitterTracker();
    j.startRun();
    List<Double> ipdv = observeAll(j, 10.0, 12.0, 11.0, null, 15.0, 14.0);
    assertThat(j.jitter()).isEqualTo(0.454803466796875);
    assertThat(j.samples()).isEqualTo(4);
    assertThat(ipdv).containsExactly(Double.NaN, 2.0, 1.0, Double.NaN, 4.0, 1.0);
  }

  @Test
  void lossesAtTheEdgesOfARunFormNoDifference() {
    JitterTracker j = new JitterTracker();
    j.startRun();
    observeAll(j, null, null, 20.0, null, 36.0, null); // one pair: |36 - 20| = 16 -> J = 1
    assertThat(j.jitter()).isEqualTo(1.0);
    assertThat(j.samples()).isEqualTo(1);
  }

  @Test
  void carriesJButFormsNoDifferenceAcrossRuns() {
    JitterTracker j = new JitterTracker();
    j.startRun();
    observeAll(j, 10.0, 26.0); // D = 16 -> J = 0 + 16 / 16 = 1
    j.startRun();
    observeAll(j, 100.0, 100.0); // no D against 26; then D = 0 -> J = 1 + (0 - 1) / 16 = 0.9375
    assertThat(j.jitter()).isEqualTo(0.9375);
    assertThat(j.samples()).isEqualTo(2);
  }

  @Test
  void aRunWithoutTwoReceivedPacketsLeavesTheEstimateAlone() {
    JitterTracker j = JitterTracker.of(3.0, 5);
    j.startRun();
    observeAll(j, null, 7.0, null);
    assertThat(j.jitter()).isEqualTo(3.0);
    assertThat(j.samples()).isEqualTo(5);
  }

  @Test
  void mergeWeightsEstimatesBySampleCountAndIsSymmetric() {
    JitterTracker a = JitterTracker.of(2.0, 3);
    JitterTracker b = JitterTracker.of(6.0, 1);
    JitterTracker ab = a.copy();
    ab.merge(b);
    JitterTracker ba = b.copy();
    ba.merge(a);
    // (2 * 3 + 6 * 1) / 4 = 3
    assertThat(ab.jitter()).isCloseTo(3.0, within(1e-12));
    assertThat(ba.jitter()).isCloseTo(3.0, within(1e-12));
    assertThat(ab.samples()).isEqualTo(4);
  }

  @Test
  void mergingWithAnEmptyTrackerKeepsTheEstimate() {
    JitterTracker a = JitterTracker.of(2.5, 7);
    a.merge(new JitterTracker());
    assertThat(a.jitter()).isEqualTo(2.5);
    JitterTracker empty = new JitterTracker();
    empty.merge(JitterTracker.of(2.5, 7));
    assertThat(empty.jitter()).isEqualTo(2.5);
    assertThat(empty.samples()).isEqualTo(7);
  }

  private static List<Double> observeAll(JitterTracker j, Double... rtts) {
    return Arrays.stream(rtts).map(j::observe).toList();
  }
}
