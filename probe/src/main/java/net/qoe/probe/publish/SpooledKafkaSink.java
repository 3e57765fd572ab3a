package net.qoe.probe.publish;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import net.qoe.kafka.message.Measurement;
import net.qoe.kafka.serde.KafkaJsonSerializer;
import net.qoe.kafka.serde.MessageSerde;
import net.qoe.probe.config.KafkaSettings;
import net.qoe.probe.publish.DiskSpool.Spooled;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes measurements to Kafka through a {@link DiskSpool}: every measurement is appended to the
 * spool, and one replayer thread sends the spool's entries in order and removes them only once the
 * broker acknowledged them. While Kafka is unreachable the spool grows (bounded, oldest dropped
 * first); when it comes back the backlog goes out in the order it was measured, ahead of anything
 * newer, so a series never arrives out of order. What a stopped probe left on disk is sent by the
 * next one.
 *
 * <p>Store-and-forward rather than "spool only what failed": a measurement sent directly while an
 * older one of the same series waits in the spool would overtake it. Delivery is at least once (a
 * batch acknowledged but not yet committed when the probe dies is sent again); consumers dedupe by
 * {@code event_id}.
 */
public final class SpooledKafkaSink implements MeasurementSink, DeliveryStats {

  private static final Logger LOG = LoggerFactory.getLogger(SpooledKafkaSink.class);
  private static final int BATCH = 500;
  private static final Duration RETRY_BACKOFF = Duration.ofSeconds(1);
  private static final Duration DRAIN_AT_CLOSE = Duration.ofSeconds(5);
  private static final Duration PRODUCER_CLOSE = Duration.ofSeconds(2);

  private final DiskSpool spool;
  private final String topic;
  private final Producer<String, Measurement> producer;
  private final Thread replayer;
  private final PublishLatency latency = new PublishLatency();
  private final AtomicLong delivered = new AtomicLong();
  private final AtomicLong failedAttempts = new AtomicLong();
  private final AtomicBoolean failing = new AtomicBoolean();
  private volatile boolean closing;

  public SpooledKafkaSink(KafkaSettings settings, String clientId, DiskSpool spool) {
    this.spool = spool;
    this.topic = settings.topic();
    this.producer =
        new KafkaProducer<>(
            KafkaMeasurementSink.producerProperties(settings, clientId),
            new StringSerializer(),
            new KafkaJsonSerializer<>(MessageSerde.MEASUREMENT));
    this.replayer = new Thread(this::replay, "probe-spool-replayer");
    replayer.setDaemon(true);
    replayer.start();
  }

  /** Appends to the spool; never waits for Kafka. */
  @Override
  public void accept(Measurement measurement) {
    spool.accept(measurement);
  }

  private void replay() {
    while (!closing) {
      try {
        if (!spool.awaitEntries(200, TimeUnit.MILLISECONDS)) {
          continue;
        }
        if (!sendBatch()) {
          backoff();
        }
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        LOG.warn("spool replay failed; retrying", e);
        try {
          backoff();
        } catch (InterruptedException ie) {
          return;
        }
      }
    }
  }

  /** Sends the oldest entries in order; commits the acknowledged prefix. False on a failure. */
  private boolean sendBatch() throws InterruptedException {
    List<Spooled> batch = spool.peek(BATCH);
    List<Future<RecordMetadata>> futures = new ArrayList<>(batch.size());
    long start = System.nanoTime();
    Exception error = null;
    AtomicBoolean batchFailed = new AtomicBoolean();
    for (Spooled s : batch) {
      if (s.measurement() == null) {
        futures.add(null); // unreadable entry, already counted; committed with its neighbours
        continue;
      }
      // Once one record failed, send nothing after it: a later record of the same series must not
      // reach the topic before the failed one is sent again. A metadata timeout comes back as an
      // already failed future, hence the flag set by the callback.
      if (batchFailed.get()) {
        break;
      }
      try {
        futures.add(
            producer.send(
                new ProducerRecord<>(topic, s.measurement().kafkaKey(), s.measurement()),
                (metadata, e) -> {
                  if (e != null) {
                    batchFailed.set(true);
                  }
                }));
      } catch (RuntimeException e) {
        error = e; // producer closed
        break;
      }
    }
    int acked = 0;
    for (Future<RecordMetadata> f : futures) {
      if (f != null) {
        try {
          f.get();
        } catch (ExecutionException e) {
          error = error == null ? (Exception) e.getCause() : error;
          break;
        }
      }
      acked++;
    }
    if (acked > 0) {
      spool.commit(batch.get(acked - 1).next());
      delivered.addAndGet(acked);
      latency.record((System.nanoTime() - start) / 1e6, acked);
    }
    if (error != null || acked < batch.size()) {
      failedAttempts.incrementAndGet();
      if (failing.compareAndSet(false, true)) {
        LOG.warn(
            "kafka: cannot deliver to {} ({}); spooling to disk until it recovers",
            topic,
            String.valueOf(error));
      }
      return false;
    }
    if (failing.compareAndSet(true, false)) {
      LOG.info("kafka: delivering again to {}; {} left in the spool", topic, spool.entries());
    }
    return true;
  }

  private void backoff() throws InterruptedException {
    long until = System.nanoTime() + RETRY_BACKOFF.toNanos();
    while (!closing && System.nanoTime() < until) {
      TimeUnit.MILLISECONDS.sleep(50);
    }
  }

  public DiskSpool spool() {
    return spool;
  }

  /** Measurements acknowledged by the brokers. */
  public long delivered() {
    return delivered.get();
  }

  /** Delivery attempts that failed (each is retried from the spool). */
  public long failedAttempts() {
    return failedAttempts.get();
  }

  @Override
  public long published() {
    return delivered();
  }

  @Override
  public long failed() {
    return failedAttempts();
  }

  @Override
  public long spooled() {
    return spool.appended();
  }

  @Override
  public long dropped() {
    return spool.dropped();
  }

  @Override
  public long spoolEntries() {
    return spool.entries();
  }

  @Override
  public long spoolBytes() {
    return spool.bytes();
  }

  @Override
  public PublishLatency latency() {
    return latency;
  }

  /** Spooled measurements are still waiting to be delivered. */
  public boolean failing() {
    return failing.get();
  }

  @Override
  public void flush() {
    spool.flush();
  }

  /**
   * Gives the replayer a bounded moment to empty the spool, then stops; what is left stays on disk
   * for the next start.
   */
  @Override
  public void close() {
    long until = System.nanoTime() + DRAIN_AT_CLOSE.toNanos();
    while (spool.entries() > 0 && !failing.get() && System.nanoTime() < until) {
      try {
        TimeUnit.MILLISECONDS.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    closing = true;
    producer.close(PRODUCER_CLOSE);
    try {
      replayer.join(PRODUCER_CLOSE.toMillis() + 1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (replayer.isAlive()) {
      replayer.interrupt();
    }
    long left = spool.entries();
    spool.close();
    LOG.info(
        "kafka: closed; {} measurements delivered, {} left in the spool for the next start",
        delivered(),
        left);
  }
}
