package net.qoe.probe.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import net.qoe.kafka.message.Measurement;
import net.qoe.probe.CollectingSink;
import net.qoe.probe.config.TargetConfig;
import net.qoe.probe.config.TestSpec;
import net.qoe.probe.publish.MeasurementSink;
import net.qoe.probe.schedule.TestScheduler.ScheduledTest;
import net.qoe.probe.tests.ProbeTest;
import net.qoe.probe.tests.TestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TestSchedulerTest {

  private static final Duration WAIT = Duration.ofSeconds(10);

  /** Released when the test ends, so no hanging fake outlives it. */
  private final CountDownLatch testOver = new CountDownLatch(1);

  private final CollectingSink sink = new CollectingSink();
  private TestScheduler scheduler;

  @AfterEach
  void stop() {
    testOver.countDown();
    if (scheduler != null) {
      scheduler.close();
    }
  }

  @Test
  void aTestThatThrowsIsReportedAsInternalAndTheScheduleGoesOn() throws Exception {
    ProbeTest throwing =
        fake(
            "tcp",
            (ctx, target) -> {
              throw new IllegalStateException("boom");
            });
    start(2, scheduled("broken", throwing, 0.05, 500), scheduled("healthy", ok("tcp"), 0.05, 500));

    // On a loaded machine a run can also be reported as overlapping its predecessor; the
    // throwing runs themselves must each be an internal failure.
    List<Measurement> broken =
        sink.await(
            3,
            from("broken").and(m -> m.error() != null && "internal".equals(m.error().stage())),
            WAIT);
    sink.await(3, from("healthy").and(Measurement::ok), WAIT);

    assertThat(sink.received().stream().filter(from("broken"))).noneMatch(Measurement::ok);
    assertThat(broken)
        .allSatisfy(
            m -> {
              assertThat(m.ok()).isFalse();
              assertThat(m.error().stage()).isEqualTo("internal");
              assertThat(m.error().message()).contains("boom");
              assertThat(m.tier()).isEqualTo(1);
              assertThat(m.probeId()).isEqualTo("probe-s");
              assertThat(m.test()).isEqualTo("tcp");
            });
    assertThat(scheduler.stats().internalErrors()).isGreaterThanOrEqualTo(3);
  }

  @Test
  void aHangingTestIsReportedAsATimeoutAndTheOthersKeepRunning() throws Exception {
    ProbeTest hanging =
        fake(
            "http",
            (ctx, target) -> {
              try {
                testOver.await(); // until interrupted by the watchdog
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return ctx.newMeasurement(target.name(), "http").build();
            });
    // Due again only after the watchdog has spoken, so every report here is the watchdog's.
    start(2, scheduled("stuck", hanging, 1.0, 200), scheduled("healthy", ok("tcp"), 0.05, 500));

    long start = System.nanoTime();
    Measurement first = sink.await(1, from("stuck"), WAIT).get(0);
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    assertThat(first.ok()).isFalse();
    assertThat(first.error().stage()).isEqualTo("timeout");
    assertThat(first.error().message()).isEqualTo("did not finish within its 200 ms timeout");
    // Offset (≤ 100 ms) + timeout (200 ms) + grace (250 ms), with room for a slow machine.
    assertThat(tookMs).isLessThan(2000);
    // Interrupted, the stuck run ends and the next one starts and times out in turn.
    assertThat(sink.await(2, from("stuck"), WAIT))
        .allSatisfy(m -> assertThat(m.error().message()).isEqualTo(first.error().message()));
    sink.await(5, from("healthy").and(Measurement::ok), WAIT);
    assertThat(scheduler.stats().timedOut()).isGreaterThanOrEqualTo(2);
  }

  @Test
  void aRunThatIgnoresInterruptsHoldsOneWorkerAndItsDueRunsAreSkipped() throws Exception {
    ProbeTest deaf =
        fake(
            "udp",
            (ctx, target) -> {
              while (true) {
                try {
                  if (testOver.await(5, TimeUnit.SECONDS)) {
                    return ctx.newMeasurement(target.name(), "udp").build();
                  }
                } catch (InterruptedException e) {
                  // ignored on purpose: this fake will not stop
                }
              }
            });
    start(2, scheduled("deaf", deaf, 0.05, 100), scheduled("healthy", ok("tcp"), 0.05, 500));

    List<Measurement> deafRuns = sink.await(4, from("deaf"), WAIT);
    sink.await(5, from("healthy").and(Measurement::ok), WAIT);

    assertThat(deafRuns).allSatisfy(m -> assertThat(m.error().stage()).isEqualTo("timeout"));
    assertThat(deafRuns)
        .extracting(m -> m.error().message())
        .contains("the previous run has not finished; this run was skipped");
    assertThat(scheduler.stats().skipped()).isPositive();
  }

  @Test
  void closingWaitsForTheRunInProgressAndStopsTheSchedule() throws Exception {
    CountDownLatch running = new CountDownLatch(1);
    ProbeTest slow =
        fake(
            "tcp",
            (ctx, target) -> {
              running.countDown();
              try {
                testOver.await(100, TimeUnit.MILLISECONDS); // always times out: a 100 ms run
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return ctx.newMeasurement(target.name(), "tcp").build();
            });
    start(1, scheduled("slow", slow, 5, 1000));
    assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();

    scheduler.close();

    assertThat(sink.received()).singleElement().matches(Measurement::ok);
  }

  @Test
  void aBlockedSinkHoldsNoWorkerAndCausesNoFalseTimeouts() throws Exception {
    CountDownLatch sinkReleased = new CountDownLatch(1);
    MeasurementSink blocked =
        m -> {
          try {
            sinkReleased.await(10, TimeUnit.SECONDS); // like send() waiting for a broker
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          sink.accept(m);
        };
    CountDownLatch fiveRuns = new CountDownLatch(5);
    ProbeTest counted =
        fake(
            "tcp",
            (ctx, target) -> {
              fiveRuns.countDown();
              return ctx.newMeasurement(target.name(), "tcp").build();
            });
    start(blocked, 1, scheduled("web", counted, 0.05, 100));

    assertThat(fiveRuns.await(10, TimeUnit.SECONDS)).as("runs go on").isTrue();
    sinkReleased.countDown();

    assertThat(sink.await(5, from("web"), WAIT)).allMatch(Measurement::ok);
    assertThat(scheduler.stats().skipped()).isZero();
    assertThat(scheduler.stats().timedOut()).isZero();
  }

  private void start(int threads, ScheduledTest... tests) {
    start(sink, threads, tests);
  }

  private void start(MeasurementSink to, int threads, ScheduledTest... tests) {
    scheduler = new TestScheduler("probe-s", threads, List.of(tests), to);
    scheduler.start();
  }

  private static ScheduledTest scheduled(
      String target, ProbeTest test, double intervalS, int timeoutMs) {
    TestSpec spec = TestSpec.ofType(test.name()).withIntervalS(intervalS).withTimeoutMs(timeoutMs);
    return new ScheduledTest(TargetConfig.of(target, "127.0.0.1", 1, spec), spec, test);
  }

  private static Predicate<Measurement> from(String target) {
    return m -> m.target().equals(target);
  }

  private static ProbeTest ok(String name) {
    return fake(name, (ctx, target) -> ctx.newMeasurement(target.name(), name).build());
  }

  private interface Behaviour {
    Measurement run(TestContext ctx, TargetConfig target);
  }

  private static ProbeTest fake(String name, Behaviour behaviour) {
    return new ProbeTest() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public Measurement run(TestContext ctx, TargetConfig target, TestSpec spec) {
        return behaviour.run(ctx, target);
      }
    };
  }
}
