package net.qoe.job.window;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class JitterTrackerTest {

  @Test
  void matchesAHandComputationOfRfc3550() {
    // RTTs 10, 12, 11, lost, 15, 14 (ms). D is formed only between consecutive received packets:
    //   |12-10| = 2  -> J = 0      + (2 - 0)      / 16 = 0.125
    //   |11-12| = 1  -> J = 0.125  + (1 - 0.125)  / 16 = 0.1796875
    //   lost         -> no D; 15 starts a new pair
    //   |14-15| = 1  -> J = 0.1796875 + (1 - 0.1796875) / 16 = 0.23095703125
    JitterTracker j = new JitterTracker();
    j.startRun();
    for (Double rtt : Arrays.asList(10.0, 12.0, 11.0, null, 15.0, 14.0)) {
      j.observe(rtt);
    }
    assertThat(j.jitter()).isCloseTo(0.23095703125, within(1e-12));
    assertThat(j.samples()).isEqualTo(3);
  }

  @Test
  void carriesJButFormsNoDifferenceAcrossRuns() {
    JitterTracker j = new JitterTracker();
    j.startRun();
    j.observe(10.0);
    j.observe(26.0); // D = 16 -> J = 1
    j.startRun();
    j.observe(100.0); // first packet of the next run: no D against 26
    j.observe(100.0); // D = 0 -> J = 1 + (0 - 1) / 16 = 0.9375
    assertThat(j.jitter()).isCloseTo(0.9375, within(1e-12));
    assertThat(j.samples()).isEqualTo(2);
  }

  @Test
  void mergeWeightsEstimatesBySampleCount() {
    JitterTracker a = new JitterTracker(2.0, 3);
    JitterTracker b = new JitterTracker(6.0, 1);
    a.merge(b);
    assertThat(a.jitter()).isCloseTo(3.0, within(1e-12));
    assertThat(a.samples()).isEqualTo(4);
  }
}
