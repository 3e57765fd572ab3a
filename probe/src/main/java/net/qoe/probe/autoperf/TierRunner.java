package net.qoe.probe.autoperf;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import net.qoe.kafka.message.Measurement;
import net.qoe.kafka.message.TierCommand;
import net.qoe.probe.config.AutoPerfSettings;
import net.qoe.probe.config.TargetConfig;
import net.qoe.probe.publish.MeasurementSink;
import net.qoe.probe.publish.PublishQueue;
import net.qoe.probe.tests.Stage;
import net.qoe.probe.tests.TestContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the tier-2 and tier-3 suites. An accepted command sets a target's tier; while it is above 1
 * the tier's suite runs against the target every tier interval, until a command takes it down or
 * the command expires unrenewed (back to tier 1). Every measurement carries its tier.
 *
 * <p>Deep tests run on their own small pools, one per tier with the tier's {@code max_concurrent}
 * threads and a short queue, never on the tier-1 workers, so they cannot starve the continuous
 * tests; a test whose previous run is still going, or that finds its pool full, is skipped and
 * counted rather than queued without bound.
 */
public final class TierRunner implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(TierRunner.class);
  private static final int RECENT_TRIGGERS = 100;
  private static final int POOL_QUEUE = 32;

  /** What the status API shows of one target. */
  public record TargetState(
      String target,
      int tier,
      long sinceMs,
      String reason,
      String commandId,
      long expiresMs,
      long lastRunMs,
      long nextRunMs,
      List<String> tests,
      Map<String, String> notApplicable) {}

  /** Counts since start. */
  public record Counts(
      long suiteRuns, long testRuns, long testsFailed, long testsSkippedBusy, long tierChanges) {}

  private final String probeId;
  private final AutoPerfSettings settings;
  private final Map<String, TargetConfig> targets = new LinkedHashMap<>();
  private final SuitePlanner planner;
  private final PublishQueue publish;
  private final TierListener listener;
  private final LongSupplier clock;
  private final ScheduledExecutorService timer;
  private final Map<Integer, ThreadPoolExecutor> pools = new LinkedHashMap<>();
  private final Map<String, Pair> pairs = new LinkedHashMap<>();
  private final Deque<Trigger> recent = new ArrayDeque<>();
  private final AtomicLong suiteRuns = new AtomicLong();
  private final AtomicLong testRuns = new AtomicLong();
  private final AtomicLong testsFailed = new AtomicLong();
  private final AtomicLong testsSkippedBusy = new AtomicLong();
  private final AtomicLong tierChanges = new AtomicLong();
  private Runnable onChange = () -> {};
  private volatile boolean closed;

  public TierRunner(
      String probeId,
      AutoPerfSettings settings,
      List<TargetConfig> targets,
      SuitePlanner planner,
      MeasurementSink sink,
      TierListener listener,
      LongSupplier clock) {
    this.probeId = probeId;
    this.settings = settings;
    this.planner = planner;
    this.publish = new PublishQueue(sink, 1000);
    this.listener = listener;
    this.clock = clock;
    this.timer = Executors.newSingleThreadScheduledExecutor(named("autoperf-timer"));
    for (int tier : new int[] {2, 3}) {
      int n = settings.suite(tier).maxConcurrent();
      ThreadPoolExecutor pool =
          new ThreadPoolExecutor(
              n,
              n,
              30,
              TimeUnit.SECONDS,
              new ArrayBlockingQueue<>(POOL_QUEUE),
              named("autoperf-tier" + tier));
      pool.allowCoreThreadTimeOut(true);
      pools.put(tier, pool);
    }
    long now = clock.getAsLong();
    for (TargetConfig t : targets) {
      this.targets.put(t.name(), t);
      pairs.put(t.name(), new Pair(now));
    }
  }

  /** Called after every change of tier or expiry (to persist the state). */
  public synchronized void onChange(Runnable r) {
    this.onChange = r;
  }

  /** Obeys an accepted command. */
  public synchronized void apply(TierCommand c) {
    Pair p = pairs.get(c.target());
    if (p == null || closed) {
      return;
    }
    long now = clock.getAsLong();
    if (c.toTier() == p.tier) {
      if (p.tier > 1) {
        // a renewal: same tier, later expiry
        p.commandId = c.commandId();
        p.expiresMs = Math.max(p.expiresMs, c.expiresMs());
        scheduleExpiry(c.target(), p, now);
        LOG.debug(
            "[autoperf] {} -> {}: tier {} renewed until {}",
            probeId,
            c.target(),
            p.tier,
            p.expiresMs);
      }
      onChange.run();
      return;
    }
    change(
        c.target(), p, c.toTier(), c.reason(), c.commandId(), c.expiresMs(), c.tests(), now, true);
  }

  /** Sets a tier without a trigger or notification: a tier still in force restored at start. */
  public synchronized void restore(
      String target, int tier, String reason, String commandId, long expiresMs) {
    Pair p = pairs.get(target);
    long now = clock.getAsLong();
    if (p == null || tier < 2 || tier > 3 || expiresMs <= now || closed) {
      return;
    }
    change(target, p, tier, reason, commandId, expiresMs, List.of(), now, false);
  }

  private void change(
      String target,
      Pair p,
      int to,
      String reason,
      String commandId,
      long expiresMs,
      List<String> only,
      long now,
      boolean announce) {
    Trigger trigger = new Trigger(now, target, p.tier, to, reason, now - p.sinceMs, commandId);
    p.cancel();
    p.generation++;
    p.tier = to;
    p.sinceMs = now;
    p.reason = reason;
    p.commandId = commandId;
    p.expiresMs = to > 1 ? expiresMs : 0;
    p.nextRunMs = 0;
    if (to > 1) {
      SuitePlanner.Plan plan = planner.plan(targets.get(target), to, only);
      p.plan = plan;
      if (!plan.notApplicable().isEmpty()) {
        LOG.info(
            "[autoperf] {} -> {}: tier {} leaves out {}",
            probeId,
            target,
            to,
            plan.notApplicable());
      }
      long gen = p.generation;
      p.nextRunMs = now;
      p.suite = timer.schedule(() -> runSuite(target, gen), 0, TimeUnit.MILLISECONDS);
      scheduleExpiry(target, p, now);
    } else {
      p.plan = null;
    }
    if (announce) {
      LOG.info(
          "[autoperf] {} -> {}: tier {} -> {} ({})",
          probeId,
          target,
          trigger.fromTier(),
          to,
          reason);
      recent.addLast(trigger);
      tierChanges.incrementAndGet();
      while (recent.size() > RECENT_TRIGGERS) {
        recent.removeFirst();
      }
      try {
        listener.onTierChange(probeId, trigger);
      } catch (RuntimeException e) {
        LOG.warn("[autoperf] a tier listener failed: {}", e.toString());
      }
    }
    onChange.run();
  }

  private void scheduleExpiry(String target, Pair p, long now) {
    if (p.expiry != null) {
      p.expiry.cancel(false);
    }
    long gen = p.generation;
    p.expiry =
        timer.schedule(
            () -> expire(target, gen), Math.max(0, p.expiresMs - now), TimeUnit.MILLISECONDS);
  }

  private synchronized void expire(String target, long gen) {
    Pair p = pairs.get(target);
    if (p == null || p.generation != gen || p.tier == 1 || closed) {
      return;
    }
    long now = clock.getAsLong();
    if (p.expiresMs > now) {
      scheduleExpiry(target, p, now); // renewed meanwhile
      return;
    }
    change(
        target,
        p,
        1,
        "command " + p.commandId + " expired without renewal",
        null,
        0,
        List.of(),
        now,
        true);
  }

  private void runSuite(String target, long gen) {
    List<SuitePlanner.Planned> tests;
    int tier;
    Pair p;
    synchronized (this) {
      p = pairs.get(target);
      if (p == null || p.generation != gen || p.tier == 1 || closed || p.plan == null) {
        return;
      }
      tier = p.tier;
      tests = p.plan.tests();
      long now = clock.getAsLong();
      double intervalS = settings.suite(tier).intervalS();
      long intervalMs = Math.max(1, Math.round(intervalS * 1000));
      p.lastRunMs = now;
      p.nextRunMs = now + intervalMs;
      p.suite = timer.schedule(() -> runSuite(target, gen), intervalMs, TimeUnit.MILLISECONDS);
    }
    suiteRuns.incrementAndGet();
    ThreadPoolExecutor pool = pools.get(tier);
    for (SuitePlanner.Planned planned : tests) {
      String key = tier + "/" + planned.name();
      if (!p.inFlight.add(key)) {
        testsSkippedBusy.incrementAndGet();
        LOG.debug("[autoperf] {} on {}: previous run still going, skipped", planned.name(), target);
        continue;
      }
      try {
        pool.execute(() -> runTest(planned, tier, p, key));
      } catch (RejectedExecutionException e) {
        p.inFlight.remove(key);
        testsSkippedBusy.incrementAndGet();
      }
    }
  }

  private void runTest(SuitePlanner.Planned planned, int tier, Pair p, String key) {
    TestContext ctx = new TestContext(probeId, tier, planned.spec().timeout());
    Measurement m;
    try {
      m = planned.test().run(ctx, planned.target(), planned.spec());
      if (m == null) {
        throw new IllegalStateException(planned.name() + " returned no measurement");
      }
    } catch (RuntimeException e) {
      LOG.warn(
          "[autoperf] {} on {} failed unexpectedly", planned.name(), planned.target().name(), e);
      m =
          ctx.newMeasurement(planned.target().name(), planned.test().name())
              .fail(Stage.INTERNAL, e.toString())
              .build();
    } finally {
      p.inFlight.remove(key);
      Thread.interrupted();
    }
    testRuns.incrementAndGet();
    if (!m.ok()) {
      testsFailed.incrementAndGet();
    }
    publish.accept(m);
  }

  public synchronized int tier(String target) {
    Pair p = pairs.get(target);
    return p == null ? 0 : p.tier;
  }

  public synchronized List<TargetState> states() {
    List<TargetState> out = new ArrayList<>();
    pairs.forEach(
        (target, p) ->
            out.add(
                new TargetState(
                    target,
                    p.tier,
                    p.sinceMs,
                    p.reason,
                    p.commandId,
                    p.expiresMs,
                    p.lastRunMs,
                    p.tier > 1 ? p.nextRunMs : 0,
                    p.plan == null
                        ? List.of()
                        : p.plan.tests().stream().map(SuitePlanner.Planned::name).toList(),
                    p.plan == null ? Map.of() : p.plan.notApplicable())));
    return out;
  }

  /** The latest tier changes, oldest first. */
  public synchronized List<Trigger> triggers() {
    return List.copyOf(recent);
  }

  public Counts counts() {
    return new Counts(
        suiteRuns.get(),
        testRuns.get(),
        testsFailed.get(),
        testsSkippedBusy.get(),
        tierChanges.get());
  }

  public long dropped() {
    return publish.dropped();
  }

  @Override
  public void close() {
    synchronized (this) {
      closed = true;
      pairs.values().forEach(Pair::cancel);
    }
    timer.shutdownNow();
    for (ThreadPoolExecutor pool : pools.values()) {
      pool.shutdownNow();
    }
    try {
      for (ThreadPoolExecutor pool : pools.values()) {
        pool.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    publish.close();
  }

  private static java.util.concurrent.ThreadFactory named(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  private static final class Pair {
    int tier = 1;
    long sinceMs;
    String reason;
    String commandId;
    long expiresMs;
    long lastRunMs;
    long nextRunMs;
    long generation;
    SuitePlanner.Plan plan;
    ScheduledFuture<?> suite;
    ScheduledFuture<?> expiry;
    final Set<String> inFlight = ConcurrentHashMap.newKeySet();

    Pair(long now) {
      this.sinceMs = now;
    }

    void cancel() {
      if (suite != null) {
        suite.cancel(false);
      }
      if (expiry != null) {
        expiry.cancel(false);
      }
    }
  }
}
