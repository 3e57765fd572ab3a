package net.qoe.probe;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import net.qoe.kafka.message.Measurement;
import net.qoe.probe.publish.MeasurementSink;

/** Keeps what it is given, and lets a test wait (bounded) for what it expects. */
public final class CollectingSink implements MeasurementSink {

  private final LinkedBlockingQueue<Measurement> arrived = new LinkedBlockingQueue<>();
  private final List<Measurement> all = new ArrayList<>();

  @Override
  public void accept(Measurement measurement) {
    arrived.add(measurement);
  }

  /**
   * Waits until {@code count} measurements matching {@code which} have arrived in total, and
   * returns them; fails the test after {@code timeout}.
   */
  public synchronized List<Measurement> await(
      int count, Predicate<Measurement> which, Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (matching(which).size() < count) {
      long left = end - System.nanoTime();
      Measurement m = left > 0 ? arrived.poll(left, TimeUnit.NANOSECONDS) : null;
      if (m == null) {
        throw new AssertionError(
            "waited "
                + timeout.toMillis()
                + " ms for "
                + count
                + " matching measurements, got "
                + matching(which).size()
                + "; all so far: "
                + all);
      }
      all.add(m);
    }
    return matching(which).subList(0, count);
  }

  /** Everything received so far. */
  public synchronized List<Measurement> received() {
    arrived.drainTo(all);
    return List.copyOf(all);
  }

  private List<Measurement> matching(Predicate<Measurement> which) {
    return all.stream().filter(which).toList();
  }
}
