package net.qoe.probe.publish;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import net.qoe.kafka.message.Measurement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded queue and one thread in front of a sink, so that a slow or blocked sink (a Kafka
 * producer waiting for an absent broker) delays publishing but never holds a test worker: a blocked
 * worker would look like a test overrunning its timeout. When the queue is full the measurement is
 * dropped and counted. The wrapped sink stays its owner's to close.
 */
public final class PublishQueue implements MeasurementSink {

  private static final Logger LOG = LoggerFactory.getLogger(PublishQueue.class);
  private static final Duration DRAIN_AT_CLOSE = Duration.ofSeconds(5);

  private final MeasurementSink sink;
  private final BlockingQueue<Measurement> queue;
  private final Thread publisher;
  private final AtomicLong published = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong sinkErrors = new AtomicLong();
  private final AtomicBoolean full = new AtomicBoolean();
  private volatile boolean closing;

  public PublishQueue(MeasurementSink sink, int capacity) {
    this.sink = sink;
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.publisher = new Thread(this::publish, "probe-publisher");
    publisher.setDaemon(true);
    publisher.start();
  }

  /** Never blocks. */
  @Override
  public void accept(Measurement measurement) {
    if (closing || !queue.offer(measurement)) {
      dropped.incrementAndGet();
      if (full.compareAndSet(false, true)) {
        LOG.warn(
            "publish queue full ({} measurements): the sink is not keeping up; dropping",
            queue.size());
      }
    }
  }

  private void publish() {
    while (!closing || !queue.isEmpty()) {
      Measurement m;
      try {
        m = queue.poll(100, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        return; // close() gave up waiting
      }
      if (m == null) {
        continue;
      }
      try {
        sink.accept(m);
        published.incrementAndGet();
      } catch (RuntimeException e) {
        sinkErrors.incrementAndGet();
        LOG.warn("the sink refused a measurement", e);
      }
      if (queue.isEmpty()) {
        full.set(false);
      }
    }
  }

  public long published() {
    return published.get();
  }

  /** Measurements dropped because the queue was full or closed. */
  public long dropped() {
    return dropped.get();
  }

  /** Measurements the sink refused by throwing. */
  public long sinkErrors() {
    return sinkErrors.get();
  }

  /** Stops taking measurements, hands what is queued to the sink (bounded), and stops. */
  @Override
  public void close() {
    closing = true;
    try {
      publisher.join(DRAIN_AT_CLOSE.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (publisher.isAlive()) {
      publisher.interrupt();
    }
    int left = queue.size();
    queue.clear();
    if (left > 0) {
      dropped.addAndGet(left);
      LOG.warn("{} measurements were not handed to the sink before shutdown", left);
    }
  }
}
