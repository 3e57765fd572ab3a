package net.qoe.probe.autoperf;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.BooleanSupplier;
import net.qoe.kafka.message.Measurement;
import net.qoe.probe.CollectingSink;
import net.qoe.probe.config.AutoPerfSettings;
import net.qoe.probe.config.AutoPerfSettings.SuiteTest;
import net.qoe.probe.config.AutoPerfSettings.TierSuite;
import net.qoe.probe.config.TargetConfig;
import net.qoe.probe.config.TestSpec;
import net.qoe.probe.responder.DelayHttpServer;
import net.qoe.probe.responder.TcpSink;
import net.qoe.probe.tests.ProbeTests;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The tier-2/3 suites against real local servers: cadence, tiers on measurements, the way back. */
class TierRunnerTest {

  private DelayHttpServer http;
  private TcpSink sink;
  private TargetConfig target;
  private final List<Trigger> triggers = Collections.synchronizedList(new ArrayList<>());

  @BeforeEach
  void servers() throws Exception {
    http = DelayHttpServer.http("127.0.0.1", 0).start();
    sink = TcpSink.onLoopback().start();
    target =
        TargetConfig.of(
            "web",
            "127.0.0.1",
            null,
            TestSpec.http(http.url().toString()).withTimeoutMs(2000).withIntervalS(1.0),
            TestSpec.ofType(TestSpec.BANDWIDTH).withPort(sink.port()));
  }

  @AfterEach
  void stop() throws Exception {
    http.close();
    sink.close();
  }

  private static SuiteTest bandwidth(double seconds) {
    return new SuiteTest("iperf3_quick", null, null, null, null, null, seconds, null, null);
  }

  private TierRunner runner(CollectingSink out, double intervalS) {
    AutoPerfSettings settings =
        new AutoPerfSettings(
            true,
            Commands.SECRET,
            null,
            null,
            1000,
            false,
            new TierSuite(
                true,
                intervalS,
                3000,
                2,
                List.of(
                    SuiteTest.named("http_trace"), bandwidth(0.2), SuiteTest.named("ssl_check"))),
            new TierSuite(
                true,
                intervalS,
                3000,
                1,
                List.of(SuiteTest.named("system_diagnostics"), bandwidth(0.2))));
    return new TierRunner(
        "probe-t",
        settings,
        List.of(target),
        new SuitePlanner(settings, ProbeTests.standard()),
        out,
        (probe, t) -> triggers.add(t),
        System::currentTimeMillis);
  }

  @Test
  void tierTwoRunsItsSuiteAtItsCadenceWithTheTargetsPortsAndStopsWhenTakenDown() throws Exception {
    CollectingSink out = new CollectingSink();
    try (TierRunner runner = runner(out, 0.8)) {
      runner.apply(Commands.command("probe-t", "web", 1, 2, 60_000));
      assertThat(runner.tier("web")).isEqualTo(2);

      List<Measurement> https = out.await(3, m -> m.test().equals("http"), Duration.ofSeconds(10));
      assertThat(https).allSatisfy(m -> assertThat(m.tier()).isEqualTo(2));
      assertThat(https).allSatisfy(m -> assertThat(m.ok()).isTrue());
      // three runs at a 0.8 s cadence: the first and the third are about 1.6 s apart
      long spread = https.get(2).tsMs() - https.get(0).tsMs();
      assertThat(spread).isBetween(1200L, 3500L);
      // the bandwidth test went to the target's own sink port
      List<Measurement> bw =
          out.await(1, m -> m.test().equals("bandwidth"), Duration.ofSeconds(10));
      assertThat(bw.get(0).ok()).as("%s", bw.get(0)).isTrue();
      assertThat(bw.get(0).tier()).isEqualTo(2);
      assertThat(bw.get(0).metric("throughput_mbps")).isPositive();
      // ssl_check does not apply to a plain-HTTP target: left out, not failed
      assertThat(runner.states().get(0).notApplicable()).containsKey("ssl_check");
      assertThat(out.received()).noneMatch(m -> m.test().equals("tls"));

      runner.apply(Commands.command("probe-t", "web", 2, 3, 60_000));
      out.await(1, m -> m.test().equals("system") && m.tier() == 3, Duration.ofSeconds(10));

      runner.apply(Commands.command("probe-t", "web", 3, 1, 60_000));
      assertThat(runner.tier("web")).isEqualTo(1);
      int before = settle(out);
      Thread.sleep(2000); // nothing may run now: waiting is the point of this check
      assertThat(out.received()).hasSize(before);
    }
    assertThat(triggers).extracting(Trigger::fromTier).containsExactly(1, 2, 3);
    assertThat(triggers).extracting(Trigger::toTier).containsExactly(2, 3, 1);
    assertThat(triggers.get(1).durationMs()).isPositive();
  }

  @Test
  void tierChangesAreCountedBeyondTheRecentTriggersKept() throws Exception {
    CollectingSink out = new CollectingSink();
    try (TierRunner runner = runner(out, 60)) {
      for (int i = 0; i < 51; i++) {
        runner.apply(Commands.command("probe-t", "web", 1, 2, 60_000));
        runner.apply(Commands.command("probe-t", "web", 2, 1, 60_000));
      }
      assertThat(runner.counts().tierChanges()).isEqualTo(102);
      assertThat(runner.triggers()).hasSize(100);
      assertThat(runner.tier("web")).isEqualTo(1);
    }
  }

  @Test
  void anUnrenewedCommandExpiresBackToTierOneAndARenewalKeepsTheTier() throws Exception {
    CollectingSink out = new CollectingSink();
    try (TierRunner runner = runner(out, 0.5)) {
      runner.apply(Commands.command("probe-t", "web", 1, 2, 1500));
      // renewed before it expires: same tier, later expiry, no trigger
      Thread.sleep(800);
      runner.apply(Commands.command("probe-t", "web", 2, 2, 2000));
      assertThat(triggers).hasSize(1);
      waitFor(() -> runner.tier("web") == 1, Duration.ofSeconds(6));
      long took = System.currentTimeMillis() - triggers.get(0).atMs();
      assertThat(took)
          .as("expired after the renewal's expiry, not the first one")
          .isGreaterThan(2500);
      assertThat(triggers).hasSize(2);
      assertThat(triggers.get(1).reason()).contains("expired without renewal");
      assertThat(triggers.get(1).commandId()).isNull();
    }
  }

  /** Waits until in-flight runs have reported, and returns how many measurements there are. */
  private static int settle(CollectingSink out) throws InterruptedException {
    int n = -1;
    long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < end) {
      int now = out.received().size();
      if (now == n) {
        return n;
      }
      n = now;
      Thread.sleep(1000);
    }
    return n;
  }

  static void waitFor(BooleanSupplier condition, Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("condition not met within " + timeout);
      }
      Thread.sleep(50);
    }
  }
}
