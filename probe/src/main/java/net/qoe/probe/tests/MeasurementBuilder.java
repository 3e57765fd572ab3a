package net.qoe.probe.tests;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import net.qoe.kafka.message.Measurement;
import net.qoe.kafka.message.MeasurementError;

/**
 * Collects one run's results as its phases complete, so that a later failure keeps the earlier
 * timings. The event time is the moment the run started.
 */
public final class MeasurementBuilder {

  private final String eventId = UUID.randomUUID().toString();
  private final long tsMs = System.currentTimeMillis();
  private final String probeId;
  private final String target;
  private final String test;
  private final int tier;
  private final Map<String, Double> metrics = new LinkedHashMap<>();
  private MeasurementError error;
  private List<Double> rttMs;
  private Integer sent;
  private Integer received;

  MeasurementBuilder(String probeId, String target, String test, int tier) {
    this.probeId = probeId;
    this.target = target;
    this.test = test;
    this.tier = tier;
  }

  public MeasurementBuilder metric(String name, double value) {
    metrics.put(name, value);
    return this;
  }

  /** Records the milliseconds since {@code startNanos} under {@code name}; returns now. */
  public long elapsed(String name, long startNanos) {
    long now = System.nanoTime();
    metrics.put(name, (now - startNanos) / 1e6);
    return now;
  }

  public MeasurementBuilder packets(List<Double> rttMs, int sent, int received) {
    this.rttMs = rttMs;
    this.sent = sent;
    this.received = received;
    return this;
  }

  /** Marks the run failed; the first failure wins, as it is the cause. */
  public MeasurementBuilder fail(String stage, String message) {
    if (error == null) {
      error = new MeasurementError(stage, message);
    }
    return this;
  }

  public Measurement build() {
    return new Measurement(
        Measurement.SCHEMA_VERSION,
        eventId,
        probeId,
        target,
        test,
        tier,
        tsMs,
        error == null,
        error,
        rttMs,
        sent,
        received,
        metrics);
  }
}
