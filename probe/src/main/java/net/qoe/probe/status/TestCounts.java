package net.qoe.probe.status;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import net.qoe.kafka.message.Measurement;
import net.qoe.probe.publish.MeasurementSink;

/**
 * Counts measurements by test type on their way to the real sink, for {@code /metrics}. The sink it
 * wraps stays its owner's to close.
 */
public final class TestCounts implements MeasurementSink {

  /** Runs and failed runs of one test type. */
  public record Count(long run, long failed) {}

  private final MeasurementSink next;
  private final Map<String, LongAdder> run = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> failed = new ConcurrentHashMap<>();

  public TestCounts(MeasurementSink next) {
    this.next = next;
  }

  @Override
  public void accept(Measurement m) {
    run.computeIfAbsent(m.test(), t -> new LongAdder()).increment();
    if (!m.ok()) {
      failed.computeIfAbsent(m.test(), t -> new LongAdder()).increment();
    }
    next.accept(m);
  }

  @Override
  public void flush() {
    next.flush();
  }

  /** Counts by test type, sorted by name. */
  public Map<String, Count> byTest() {
    Map<String, Count> out = new TreeMap<>();
    run.forEach(
        (test, n) -> {
          LongAdder f = failed.get(test);
          out.put(test, new Count(n.sum(), f == null ? 0 : f.sum()));
        });
    return out;
  }
}
