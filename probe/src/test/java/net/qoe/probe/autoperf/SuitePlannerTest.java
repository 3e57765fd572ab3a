package net.qoe.probe.autoperf;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import net.qoe.probe.config.AutoPerfSettings;
import net.qoe.probe.config.AutoPerfSettings.SuiteTest;
import net.qoe.probe.config.AutoPerfSettings.TierSuite;
import net.qoe.probe.config.TargetConfig;
import net.qoe.probe.config.TestSpec;
import net.qoe.probe.tests.BandwidthTest;
import net.qoe.probe.tests.Iperf3Test;
import net.qoe.probe.tests.ProbeTests;
import org.junit.jupiter.api.Test;

/** Which test and which port a seed suite entry becomes for a given target. */
class SuitePlannerTest {

  private static final AutoPerfSettings SETTINGS =
      new AutoPerfSettings(
          true,
          Commands.SECRET,
          null,
          null,
          1000,
          false,
          new TierSuite(
              true,
              60,
              20_000,
              2,
              List.of(
                  new SuiteTest("iperf3_quick", null, null, null, null, null, 3.0, null, null))),
          new TierSuite(true, 120, 20_000, 1, List.of(SuiteTest.named("iperf3_full"))));

  private final SuitePlanner planner = new SuitePlanner(SETTINGS, ProbeTests.standard());

  @Test
  void aTargetWithAnIperf3TestIsMeasuredWithIperf3OnItsPort() {
    TargetConfig target =
        TargetConfig.of("bw", "10.0.0.9", null, TestSpec.ofType(TestSpec.IPERF3).withPort(5202));

    SuitePlanner.Planned quick = planner.plan(target, 2, List.of()).tests().get(0);
    SuitePlanner.Planned full = planner.plan(target, 3, List.of()).tests().get(0);

    assertThat(quick.test()).isInstanceOf(Iperf3Test.class);
    assertThat(quick.spec().type()).isEqualTo(TestSpec.IPERF3);
    assertThat(quick.spec().port()).isEqualTo(5202);
    // iperf3_full sends both ways for 60 s: the run's budget must leave room for it
    assertThat(full.test()).isInstanceOf(Iperf3Test.class);
    assertThat(full.spec().timeoutMs()).isGreaterThanOrEqualTo(65_000);
  }

  @Test
  void otherwiseTheResponderSinkIsUsed() {
    TargetConfig target =
        TargetConfig.of("bw", "10.0.0.9", null, TestSpec.ofType(TestSpec.BANDWIDTH).withPort(2301));

    SuitePlanner.Planned quick = planner.plan(target, 2, List.of()).tests().get(0);

    assertThat(quick.test()).isInstanceOf(BandwidthTest.class);
    assertThat(quick.spec().port()).isEqualTo(2301);
  }
}
