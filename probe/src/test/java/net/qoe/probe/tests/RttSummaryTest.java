package net.qoe.probe.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class RttSummaryTest {

  @Test
  void jitterFollowsTheRfc3550EstimatorOverReceivedPacketsInSequence() {
    // Received RTTs 10, 14, 12 (one lost between 14 and 12): D = 4, then 2.
    RttSummary s = RttSummary.of(Arrays.asList(10.0, 14.0, null, 12.0));

    double j1 = 4 / 16.0;
    double j2 = j1 + (2 - j1) / 16;
    assertThat(s.jitterMs()).isCloseTo(j2, within(1e-12));
    assertThat(s.sent()).isEqualTo(4);
    assertThat(s.received()).isEqualTo(3);
    assertThat(s.lossPct()).isEqualTo(25.0);
    assertThat(s.avgMs()).isEqualTo(12.0);
    assertThat(s.minMs()).isEqualTo(10.0);
    assertThat(s.maxMs()).isEqualTo(14.0);
  }

  @Test
  void steadyRttsHaveNoJitter() {
    assertThat(RttSummary.of(List.of(5.0, 5.0, 5.0)).jitterMs()).isZero();
  }

  @Test
  void nothingReceivedLeavesTheRttStatisticsUndefined() {
    RttSummary s = RttSummary.of(Arrays.asList(null, null));

    assertThat(s.lossPct()).isEqualTo(100.0);
    assertThat(s.avgMs()).isNaN();
    assertThat(s.jitterMs()).isZero();
  }
}
