package net.qoe.probe.tests;

import java.time.Duration;
import net.qoe.kafka.message.Measurement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who runs a test and under which limits.
 *
 * @param probeId the probe the measurement comes from
 * @param tier the tier the run belongs to (1 for the scheduled light tests)
 * @param timeout the run's whole budget; a test returns a timeout failure rather than overrun it
 */
public record TestContext(String probeId, int tier, Duration timeout) {

  private static final Logger LOG = LoggerFactory.getLogger(TestContext.class);

  /** What a test does inside {@link #measure}: fill in the measurement, or fail a stage. */
  @FunctionalInterface
  public interface Body {
    void measure(MeasurementBuilder m) throws StageFailure;
  }

  public MeasurementBuilder newMeasurement(String target, String test) {
    return new MeasurementBuilder(probeId, target, test, tier);
  }

  /**
   * Runs a test body and always returns a measurement: a failed stage keeps what was recorded
   * before it, and an unexpected exception becomes an internal failure instead of escaping.
   */
  public Measurement measure(String target, String test, Body body) {
    MeasurementBuilder m = newMeasurement(target, test);
    try {
      body.measure(m);
    } catch (StageFailure f) {
      m.fail(f.stage(), f.getMessage());
    } catch (RuntimeException e) {
      LOG.warn("{} test against {} failed unexpectedly", test, target, e);
      m.fail(Stage.INTERNAL, e.toString());
    }
    return m.build();
  }
}
