package net.qoe.probe;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import net.qoe.probe.autoperf.AutoPerf;
import net.qoe.probe.config.ConfigException;
import net.qoe.probe.config.ProbeConfig;
import net.qoe.probe.config.TargetConfig;
import net.qoe.probe.config.TestSpec;
import net.qoe.probe.publish.DeliveryStats;
import net.qoe.probe.publish.DiskSpool;
import net.qoe.probe.publish.KafkaMeasurementSink;
import net.qoe.probe.publish.MeasurementSink;
import net.qoe.probe.publish.SpooledKafkaSink;
import net.qoe.probe.schedule.RunStats;
import net.qoe.probe.schedule.TestScheduler;
import net.qoe.probe.schedule.TestScheduler.ScheduledTest;
import net.qoe.probe.status.StatusServer;
import net.qoe.probe.status.TestCounts;
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
  private final TestCounts counts;
  private final MeasurementSink sink;
  private final ProbeTests tests;
  private StatusServer status;
  private AutoPerf autoperf;

  private Probe(
      ProbeConfig config,
      MeasurementSink sink,
      TestCounts counts,
      ProbeTests tests,
      MeasurementSink ownedSink) {
    this.config = config;
    this.sink = sink;
    this.counts = counts;
    this.scheduler = scheduler(config, counts, tests);
    this.ownedSink = ownedSink;
    this.tests = tests;
  }

  /** A probe publishing to {@code sink}, which stays the caller's to close (after the probe). */
  public static Probe create(ProbeConfig config, MeasurementSink sink) {
    return create(config, sink, ProbeTests.standard());
  }

  /** As {@link #create(ProbeConfig, MeasurementSink)}, with other test implementations. */
  public static Probe create(ProbeConfig config, MeasurementSink sink, ProbeTests tests) {
    return new Probe(config, sink, new TestCounts(sink), tests, null);
  }

  /**
   * A probe publishing to the Kafka of its configuration; closing the probe closes the producer.
   */
  public static Probe withKafka(ProbeConfig config) {
    String clientId = "qoe-probe-" + config.probeId();
    MeasurementSink kafka =
        config.spool() == null
            ? new KafkaMeasurementSink(config.kafka(), clientId)
            : new SpooledKafkaSink(
                config.kafka(),
                clientId,
                DiskSpool.open(Path.of(config.spool().dir()), config.spool().maxBytes()));
    try {
      return new Probe(config, kafka, new TestCounts(kafka), ProbeTests.standard(), kafka);
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
    if (config.autoperf().enabled()) {
      autoperf = new AutoPerf(config, counts, tests).start();
    }
    if (config.status() != null) {
      status =
          new StatusServer(
                  config.status(),
                  config.probeId(),
                  counts,
                  scheduler::stats,
                  sink instanceof DeliveryStats d ? d : null)
              .withAutoPerf(autoperf)
              .start();
    }
    scheduler.start();
    return this;
  }

  /** Where the status server listens, when the configuration asks for one and it started. */
  public Optional<InetSocketAddress> statusAddress() {
    return Optional.ofNullable(status).map(StatusServer::address);
  }

  /** The AutoPerf side, when the configuration enables it and the probe started. */
  public Optional<AutoPerf> autoPerf() {
    return Optional.ofNullable(autoperf);
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
    if (autoperf != null) {
      autoperf.close();
    }
    scheduler.close();
    if (status != null) {
      status.close();
    }
    if (ownedSink != null) {
      ownedSink.close();
    }
  }
}
