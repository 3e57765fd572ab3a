package net.qoe.probe.publish;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import net.qoe.kafka.message.Measurement;
import net.qoe.probe.config.KafkaSettings;
import net.qoe.probe.publish.DiskSpool.Spooled;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
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
 *
 * <p>A measurement Kafka will never take (larger than the producer's {@code max.request.size}, or
 * refused as invalid) is dropped, counted in {@link #rejected()} and logged with its event id, so
 * that it cannot hold up everything spooled after it.
 */
public final class SpooledKafkaSink implements MeasurementSink, DeliveryStats {

  private static final Logger LOG = LoggerFactory.getLogger(SpooledKafkaSink.class);
  private static final int BATCH = 500;
  private static final Duration RETRY_BACKOFF = Duration.ofSeconds(1);
  private static final Duration DRAIN_AT_CLOSE = Duration.ofSeconds(5);
  private static final Duration PRODUCER_CLOSE = Duration.ofSeconds(2);

  /**
   * Room left in {@code max.request.size} for what Kafka adds to a record's value: the key ({@code
   * probe_id|target}), the record and batch headers. A measurement larger than the rest is refused
   * by the spool.
   */
  static final int RECORD_OVERHEAD_BYTES = 4096;

  private final DiskSpool spool;
  private final String topic;
  private final String servers;
  private final Properties producerProps;
  private final Thread replayer;
  private final PublishLatency latency = new PublishLatency();
  private final AtomicLong delivered = new AtomicLong();
  private final AtomicLong failedAttempts = new AtomicLong();
  private final AtomicLong rejected = new AtomicLong();
  private final AtomicBoolean failing = new AtomicBoolean();
  // Created by the replayer (a broker name that does not resolve yet fails it); closed by close().
  private Producer<String, Measurement> producer; // guarded by this
  private int producerFailures; // replayer thread only
  private volatile boolean closing;

  /**
   * Never contacts Kafka here: the replayer creates the producer, and retries that (1 s, doubling,
   * at most 30 s apart) while it fails, so a probe whose broker is not resolvable yet starts and
   * spools.
   */
  public SpooledKafkaSink(KafkaSettings settings, String clientId, DiskSpool spool) {
    this.spool = spool;
    this.topic = settings.topic();
    this.servers = settings.bootstrapServers();
    this.producerProps = KafkaMeasurementSink.producerProperties(settings, clientId);
    spool.refuseEntriesOver(
        KafkaMeasurementSink.MAX_REQUEST_BYTES - RECORD_OVERHEAD_BYTES,
        "the Kafka producer's max.request.size is " + KafkaMeasurementSink.MAX_REQUEST_BYTES);
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
        Producer<String, Measurement> p = producer();
        if (p == null) {
          continue; // producer() waited before the next attempt
        }
        if (!spool.awaitEntries(200, TimeUnit.MILLISECONDS)) {
          continue;
        }
        if (!sendBatch(p)) {
          backoff(RETRY_BACKOFF);
        }
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException | Error e) {
        // An Error too: a dead replayer would end delivery without a word, the spool filling up.
        LOG.error("spool replay failed; retrying", e);
        try {
          backoff(RETRY_BACKOFF);
        } catch (InterruptedException ie) {
          return;
        }
      }
    }
  }

  /** The producer; creates it when there is none yet. Null (after a wait) when that failed. */
  private Producer<String, Measurement> producer() throws InterruptedException {
    synchronized (this) {
      if (producer != null) {
        return producer;
      }
    }
    Producer<String, Measurement> created;
    try {
      created = ProducerStart.create(producerProps);
    } catch (KafkaException e) {
      producerFailures++;
      failedAttempts.incrementAndGet();
      Duration wait = ProducerStart.backoff(producerFailures);
      if (failing.compareAndSet(false, true) || producerFailures == 1) {
        LOG.warn(
            "kafka: cannot create the producer for {} ({}); spooling to disk, retrying every {} s"
                + " at most",
            servers,
            ProducerStart.reason(e),
            ProducerStart.MAX_RETRY.toSeconds());
      } else {
        LOG.debug("kafka: producer attempt {} failed: {}", producerFailures, e.toString());
      }
      backoff(wait);
      return null;
    }
    synchronized (this) {
      if (closing) {
        created.close(Duration.ZERO);
        return null;
      }
      producer = created;
    }
    if (producerFailures > 0) {
      LOG.info(
          "kafka: producer for {} created after {} failed attempts", servers, producerFailures);
      producerFailures = 0;
    }
    return created;
  }

  /**
   * Sends the oldest entries in order; commits the prefix that is settled: acknowledged, or refused
   * by Kafka for good (dropped, counted). False on a failure to be retried.
   */
  private boolean sendBatch(Producer<String, Measurement> producer) throws InterruptedException {
    // After a failure, one record at a time until one goes through: a record Kafka refuses can
    // fail the records batched with it, and alone it is told apart from them.
    List<Spooled> batch = spool.peek(failing.get() ? 1 : BATCH);
    if (batch.isEmpty()) {
      // Entries counted but none readable: peek has written them off; wait rather than spin.
      return false;
    }
    List<Future<RecordMetadata>> futures = new ArrayList<>(batch.size());
    long start = System.nanoTime();
    Throwable error = null;
    AtomicBoolean batchFailed = new AtomicBoolean();
    for (Spooled s : batch) {
      if (s.measurement() == null) {
        futures.add(null); // unreadable entry, already counted; committed with its neighbours
        continue;
      }
      // Once one record failed, send nothing after it: a later record of the same series must not
      // reach the topic before the failed one is sent again. A metadata timeout comes back as an
      // already failed future, hence the flag set by the callback. A record refused for good is
      // never sent again, so what follows it may go.
      if (batchFailed.get()) {
        break;
      }
      try {
        futures.add(
            producer.send(
                new ProducerRecord<>(topic, s.measurement().kafkaKey(), s.measurement()),
                (metadata, e) -> {
                  if (e != null && !refusedForGood(e)) {
                    batchFailed.set(true);
                  }
                }));
      } catch (RuntimeException e) {
        if (refusedForGood(e)) {
          futures.add(CompletableFuture.failedFuture(e)); // serialization
          continue;
        }
        error = e; // producer closed
        break;
      }
    }
    int settled = 0;
    int acked = 0;
    for (int i = 0; i < futures.size(); i++) {
      Future<RecordMetadata> f = futures.get(i);
      if (f != null) {
        try {
          f.get();
          acked++;
        } catch (ExecutionException e) {
          Throwable cause = e.getCause();
          if (!refusedForGood(cause)) {
            error = error == null ? cause : error;
            break;
          }
          reject(batch.get(i), cause);
        }
      }
      settled++;
    }
    if (settled > 0) {
      spool.commit(batch.get(settled - 1).next());
      delivered.addAndGet(acked);
      if (acked > 0) {
        latency.record((System.nanoTime() - start) / 1e6, acked);
      }
    }
    if (error != null || settled < batch.size()) {
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

  /**
   * Errors that sending the same record again cannot fix (it is too large, or invalid): the record
   * is dropped rather than retried ahead of everything spooled after it forever.
   */
  static boolean refusedForGood(Throwable e) {
    return e instanceof RecordTooLargeException
        || e instanceof RecordBatchTooLargeException
        || e instanceof InvalidRecordException
        || e instanceof InvalidTimestampException
        || e instanceof SerializationException;
  }

  private void reject(Spooled s, Throwable why) {
    long n = rejected.incrementAndGet();
    LOG.warn(
        "kafka: measurement {} ({} bytes) refused by Kafka for good ({}); dropped from the spool"
            + " ({} refused so far)",
        s.measurement().eventId(),
        s.bytes(),
        why.toString(),
        n);
  }

  private void backoff(Duration wait) throws InterruptedException {
    long until = System.nanoTime() + wait.toNanos();
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

  /**
   * Measurements Kafka would never take: refused by the spool for their size, or refused by Kafka
   * when sent (too large, invalid), then dropped.
   */
  @Override
  public long rejected() {
    return rejected.get() + spool.refused();
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
    Producer<String, Measurement> p;
    synchronized (this) {
      closing = true;
      p = producer;
    }
    if (p != null) {
      p.close(PRODUCER_CLOSE);
    }
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
