package net.qoe.probe.publish;

import net.qoe.kafka.message.Measurement;

/**
 * Where measurements go. Called from several test threads at once, so implementations are
 * thread-safe; {@link #accept} should not block for long, as it holds a test worker.
 */
public interface MeasurementSink extends AutoCloseable {

  void accept(Measurement measurement);

  /** Blocks until what was accepted so far is delivered or has failed. */
  default void flush() {}

  /** Flushes and releases resources; the sink accepts nothing afterwards. */
  @Override
  default void close() {}
}
