package net.qoe.probe.schedule;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import net.qoe.kafka.message.Measurement;
import net.qoe.probe.config.TargetConfig;
import net.qoe.probe.config.TestSpec;
import net.qoe.probe.publish.MeasurementSink;
import net.qoe.probe.publish.PublishQueue;
import net.qoe.probe.tests.MeasurementBuilder;
import net.qoe.probe.tests.ProbeTest;
import net.qoe.probe.tests.Stage;
import net.qoe.probe.tests.TestContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs every (target, test) on its own interval and hands each result to the sink.
 *
 * <ul>
 *   <li>Starts are spread: the first run comes after a random offset of up to a tenth of the
 *       interval, and every interval varies by ±10%, so that many probes and tests do not fire in
 *       step.
 *   <li>A fixed pool of workers runs the tests; a test never runs twice at once. When a run is
 *       still going at its next due time, that time is skipped and reported as a timeout, so a
 *       stuck test stays visible and holds one worker, not all of them.
 *   <li>A watchdog reports a run that overruns its timeout as ok=false, stage "timeout", and
 *       interrupts it; a test that throws is reported as stage "internal". Neither stops the
 *       schedule.
 *   <li>Results go to the sink through a {@link PublishQueue}, so a sink that blocks (no broker)
 *       never holds a worker and never turns into false timeouts.
 * </ul>
 */
public final class TestScheduler implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(TestScheduler.class);

  /** Scheduled runs are the light, continuous tests. */
  public static final int TIER = 1;

  /** Time a test gets beyond its timeout to report its own, more precise, timeout failure. */
  static final Duration WATCHDOG_GRACE = Duration.ofMillis(250);

  private static final double JITTER = 0.10;
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);
  private static final int PUBLISH_QUEUE_CAPACITY = 10_000;

  /** A test to run against a target, with the implementation that runs it. */
  public record ScheduledTest(TargetConfig target, TestSpec spec, ProbeTest test) {}

  private final String probeId;
  private final List<Series> series;
  private final PublishQueue publishQueue;
  private final int threads;
  private final ScheduledExecutorService timer;
  private final ExecutorService workers;
  private volatile boolean closed;

  private final AtomicLong started = new AtomicLong();
  private final AtomicLong measurements = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong timedOut = new AtomicLong();
  private final AtomicLong internalErrors = new AtomicLong();
  private final AtomicLong skipped = new AtomicLong();

  public TestScheduler(
      String probeId, int threads, List<ScheduledTest> tests, MeasurementSink sink) {
    this.probeId = probeId;
    this.publishQueue = new PublishQueue(sink, PUBLISH_QUEUE_CAPACITY);
    this.threads = threads;
    this.series = tests.stream().map(Series::new).toList();
    this.timer = Executors.newSingleThreadScheduledExecutor(named("probe-timer"));
    this.workers = Executors.newFixedThreadPool(threads, named("probe-worker"));
  }

  public void start() {
    LOG.info("probe {}: scheduling {} tests with {} workers", probeId, series.size(), threads);
    long now = System.nanoTime();
    for (Series s : series) {
      long interval = s.scheduled.spec().interval().toNanos();
      long offset = (long) (ThreadLocalRandom.current().nextDouble() * JITTER * interval);
      s.dueNanos = now + offset;
      timer.schedule(() -> fire(s), offset, TimeUnit.NANOSECONDS);
    }
  }

  public RunStats stats() {
    return new RunStats(
        started.get(),
        measurements.get(),
        failed.get(),
        timedOut.get(),
        internalErrors.get(),
        skipped.get(),
        publishQueue.sinkErrors(),
        publishQueue.dropped());
  }

  /** Runs on the timer thread, the only one touching a series' schedule. */
  private void fire(Series s) {
    if (closed) {
      return;
    }
    try {
      if (s.inFlight != null && !s.inFlight.isDone()) {
        skipped.incrementAndGet();
        String why =
            s.running
                ? "the previous run has not finished; this run was skipped"
                : "not started: all " + threads + " workers are busy";
        emit(s.ctx.newMeasurement(s.targetName(), s.testName()).fail(Stage.TIMEOUT, why).build());
      } else {
        s.inFlight = workers.submit(() -> runOnce(s));
      }
    } catch (RuntimeException e) {
      LOG.warn("probe {}: could not start {}", probeId, s, e);
    } finally {
      scheduleNext(s);
    }
  }

  private void scheduleNext(Series s) {
    if (closed) {
      return;
    }
    long interval = s.scheduled.spec().interval().toNanos();
    double factor = 1 + JITTER * (2 * ThreadLocalRandom.current().nextDouble() - 1);
    long now = System.nanoTime();
    // After a long stall (suspended host), carry on from now instead of firing a burst.
    s.dueNanos = Math.max(s.dueNanos + (long) (interval * factor), now);
    try {
      timer.schedule(() -> fire(s), s.dueNanos - now, TimeUnit.NANOSECONDS);
    } catch (RuntimeException e) {
      if (!closed) {
        LOG.error("probe {}: cannot schedule {}", probeId, s, e);
      }
    }
  }

  private void runOnce(Series s) {
    started.incrementAndGet();
    s.running = true;
    Run run = new Run(Thread.currentThread());
    // Stands in for the test's own measurement if it overruns or throws: same event time.
    MeasurementBuilder standIn = s.ctx.newMeasurement(s.targetName(), s.testName());
    long limitMs = s.ctx.timeout().plus(WATCHDOG_GRACE).toMillis();
    ScheduledFuture<?> watchdog =
        timer.schedule(
            () -> {
              if (run.claim()) {
                timedOut.incrementAndGet();
                emit(
                    standIn
                        .fail(
                            Stage.TIMEOUT,
                            "did not finish within its "
                                + s.ctx.timeout().toMillis()
                                + " ms timeout")
                        .build());
                run.interrupt();
              }
            },
            limitMs,
            TimeUnit.MILLISECONDS);
    try {
      Measurement m = s.scheduled.test().run(s.ctx, s.scheduled.target(), s.scheduled.spec());
      if (m == null) {
        throw new IllegalStateException(s.testName() + " test returned no measurement");
      }
      if (run.claim()) {
        emit(m);
      } else {
        LOG.debug("probe {}: {} finished after its timeout was reported", probeId, s);
      }
    } catch (Throwable t) {
      if (run.claim()) {
        internalErrors.incrementAndGet();
        emit(standIn.fail(Stage.INTERNAL, t.toString()).build());
      }
      LOG.warn("probe {}: {} failed unexpectedly", probeId, s, t);
      if (t instanceof VirtualMachineError fatal) {
        throw fatal;
      }
    } finally {
      watchdog.cancel(false);
      run.finish();
      s.running = false;
      Thread.interrupted(); // an interrupt meant for this run must not hit the worker's next one
    }
  }

  private void emit(Measurement m) {
    measurements.incrementAndGet();
    if (!m.ok()) {
      failed.incrementAndGet();
    }
    publishQueue.accept(m);
  }

  /**
   * Stops scheduling and waits (bounded) for the runs in progress, whose results still go to the
   * sink before this returns; the sink itself is left open for its owner to close.
   */
  @Override
  public void close() {
    closed = true;
    timer.shutdownNow();
    workers.shutdown();
    try {
      if (!workers.awaitTermination(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        workers.shutdownNow();
        workers.awaitTermination(1, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      workers.shutdownNow();
      Thread.currentThread().interrupt();
    } finally {
      publishQueue.close();
    }
  }

  private static ThreadFactory named(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  private final class Series {
    final ScheduledTest scheduled;
    final TestContext ctx;
    long dueNanos;
    Future<?> inFlight;
    volatile boolean running;

    Series(ScheduledTest scheduled) {
      this.scheduled = scheduled;
      this.ctx = new TestContext(probeId, TIER, scheduled.spec().timeout());
    }

    String targetName() {
      return scheduled.target().name();
    }

    String testName() {
      return scheduled.test().name();
    }

    @Override
    public String toString() {
      return testName() + " test against " + targetName();
    }
  }

  /** One run's ownership of its report: the test or the watchdog, whichever comes first. */
  private static final class Run {
    private final Thread worker;
    private boolean reported;
    private boolean running = true;

    Run(Thread worker) {
      this.worker = worker;
    }

    synchronized boolean claim() {
      if (reported) {
        return false;
      }
      reported = true;
      return true;
    }

    /** Interrupts the worker only while it is still on this run, never on its next one. */
    synchronized void interrupt() {
      if (running) {
        worker.interrupt();
      }
    }

    synchronized void finish() {
      running = false;
    }
  }
}
