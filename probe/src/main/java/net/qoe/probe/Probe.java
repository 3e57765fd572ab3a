package net.qoe.probe;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import net.qoe.probe.config.ConfigException;
import net.qoe.probe.config.ProbeConfig;
import net.qoe.probe.config.TargetConfig;
import net.qoe.probe.config.TestSpec;
import net.qoe.probe.publish.KafkaMeasurementSink;
import net.qoe.probe.publish.MeasurementSink;
import net.qoe.probe.schedule.RunStats;
import net.qoe.probe.schedule.TestScheduler;
import net.qoe.probe.schedule.TestScheduler.ScheduledTest;
import net.qoe.probe.tests.ProbeTest;
import net.qoe.probe.tests.ProbeTests;

/**
 * A probe agent: runs the configured tests on their schedules and hands every measurement to a
 * sink. This is the embedding API; {@link ProbeMain} is a thin command line over it.
 *
 * <pre>
 * try (Probe probe = Probe.create(config, sink).start()) { ... }
 * </pre>
 */
public final class Probe implements AutoCloseable {

  private final ProbeConfig config;
  private final TestScheduler scheduler;
  private final MeasurementSink ownedSink;

  private Probe(ProbeConfig config, TestScheduler scheduler, MeasurementSink ownedSink) {
    this.config = config;
    this.scheduler = scheduler;
    this.ownedSink = ownedSink;
  }

  /** A probe publishing to {@code sink}, which stays the caller's to close (after the probe). */
  public static Probe create(ProbeConfig config, MeasurementSink sink) {
    return create(config, sink, ProbeTests.standard());
  }

  /** As {@link #create(ProbeConfig, MeasurementSink)}, with other test implementations. */
  public static Probe create(ProbeConfig config, MeasurementSink sink, ProbeTests tests) {
    return new Probe(config, scheduler(config, sink, tests), null);
  }

  /**
   * A probe publishing to the Kafka of its configuration; closing the probe closes the producer.
   */
  public static Probe withKafka(ProbeConfig config) {
    KafkaMeasurementSink kafka =
        new KafkaMeasurementSink(config.kafka(), "qoe-probe-" + config.probeId());
    try {
      return new Probe(config, scheduler(config, kafka, ProbeTests.standard()), kafka);
    } catch (RuntimeException e) {
      kafka.close();
      throw e;
    }
  }

  private static TestScheduler scheduler(
      ProbeConfig config, MeasurementSink sink, ProbeTests tests) {
    List<ScheduledTest> scheduled = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < config.targets().size(); i++) {
      TargetConfig target = config.targets().get(i);
      for (int j = 0; j < target.tests().size(); j++) {
        TestSpec spec = target.tests().get(j);
        Optional<ProbeTest> test = tests.get(spec.type());
        if (test.isPresent()) {
          scheduled.add(new ScheduledTest(target, spec, test.get()));
        } else {
          problems.add(
              "targets["
                  + i
                  + "].tests["
                  + j
                  + "].type: this probe has no "
                  + spec.type()
                  + " test (it has: "
                  + String.join(", ", tests.names())
                  + ")");
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    return new TestScheduler(config.probeId(), config.concurrency(), scheduled, sink);
  }

  /** Starts the schedules; returns this. */
  public Probe start() {
    scheduler.start();
    return this;
  }

  public ProbeConfig config() {
    return config;
  }

  public RunStats stats() {
    return scheduler.stats();
  }

  /**
   * Stops scheduling, waits (bounded) for the runs in progress to hand over their results, and
   * closes the Kafka producer if this probe created it, which flushes it.
   */
  @Override
  public void close() {
    scheduler.close();
    if (ownedSink != null) {
      ownedSink.close();
    }
  }
}
