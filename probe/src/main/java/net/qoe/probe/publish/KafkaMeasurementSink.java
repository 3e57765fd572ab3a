package net.qoe.probe.publish;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import net.qoe.kafka.message.Measurement;
import net.qoe.probe.config.KafkaSettings;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes measurements to Kafka, keyed {@code probe_id|target} so that one series stays in order
 * in one partition. Idempotent, acks=all: a retried send never duplicates or reorders a record.
 *
 * <p>A measurement that cannot be delivered is counted and handed to the {@code undelivered} sink,
 * the place where a disk spool plugs in; by default it is only logged.
 *
 * <p>When the producer cannot be created (no broker name resolves yet) the sink starts anyway:
 * measurements are counted undelivered while a background thread retries creating it, 1 s and
 * doubling, at most 30 s apart.
 */
public final class KafkaMeasurementSink implements MeasurementSink, DeliveryStats {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaMeasurementSink.class);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

  /** The producer's max.request.size (Kafka's default, set explicitly: the spool relies on it). */
  public static final int MAX_REQUEST_BYTES = 1024 * 1024;

  private final Properties props;
  private final String servers;
  // Null until it could be created (see connect()).
  private volatile Producer<String, Measurement> producer;
  private boolean closed; // guarded by this
  private final String topic;
  private final MeasurementSink undelivered;
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong delivered = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong rejected = new AtomicLong();
  private final PublishLatency latency = new PublishLatency();
  // Log the first failure of an outage, and the recovery, rather than every record.
  private final AtomicBoolean failing = new AtomicBoolean();

  /** Bytes of records the producer may hold while they wait for the broker. */
  static final int PRODUCER_BUFFER_BYTES = 4 * 1024 * 1024;

  public KafkaMeasurementSink(KafkaSettings settings, String clientId) {
    this(settings, clientId, measurement -> {});
  }

  public KafkaMeasurementSink(
      KafkaSettings settings, String clientId, MeasurementSink undelivered) {
    this.topic = settings.topic();
    this.undelivered = undelivered;
    this.servers = settings.bootstrapServers();
    this.props = producerProperties(settings, clientId);
    try {
      this.producer = ProducerStart.create(props);
    } catch (KafkaException e) {
      LOG.warn(
          "kafka: cannot create the producer for {} ({}); measuring on, counting measurements"
              + " undelivered until it can be created (retrying every {} s at most)",
          servers,
          ProducerStart.reason(e),
          ProducerStart.MAX_RETRY.toSeconds());
      Thread connector = new Thread(this::connect, "probe-kafka-connect");
      connector.setDaemon(true);
      connector.start();
    }
  }

  /** Retries creating the producer until it works or the sink is closed. */
  private void connect() {
    for (int failures = 1; ; failures++) {
      synchronized (this) {
        long until = System.nanoTime() + ProducerStart.backoff(failures).toNanos();
        long left;
        while (!closed && (left = until - System.nanoTime()) > 0) {
          try {
            TimeUnit.NANOSECONDS.timedWait(this, left);
          } catch (InterruptedException e) {
            return;
          }
        }
        if (closed) {
          return;
        }
      }
      Producer<String, Measurement> created;
      try {
        created = ProducerStart.create(props);
      } catch (KafkaException e) {
        LOG.debug("kafka: producer attempt {} failed: {}", failures + 1, e.toString());
        continue;
      }
      synchronized (this) {
        if (closed) {
          created.close(Duration.ZERO);
          return;
        }
        producer = created;
      }
      LOG.info(
          "kafka: producer for {} created after {} failed attempts; {} measurements were"
              + " undelivered",
          servers,
          failures,
          failed());
      return;
    }
  }

  static Properties producerProperties(KafkaSettings settings, String clientId) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
    props.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    // A short wait lets the records of one scheduling tick share a batch.
    props.put(ProducerConfig.LINGER_MS_CONFIG, "20");
    // send() blocks for metadata while no broker answers, and it runs on a test worker: keep that
    // short, the record is then counted undelivered instead of stalling the schedule.
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "2000");
    // The producer's default 32 MB of record buffer is more than the probe's whole recommended
    // heap (-Xmx24m). A probe sends a few KB/s, so 4 MB holds minutes of an outage; beyond that
    // send() gives up after max.block.ms and the measurement is counted undelivered (and spooled
    // when a spool is configured) instead of the JVM running out of memory.
    props.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Integer.toString(PRODUCER_BUFFER_BYTES));
    props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(MAX_REQUEST_BYTES));
    return props;
  }

  @Override
  public void accept(Measurement measurement) {
    sent.incrementAndGet();
    long start = System.nanoTime();
    Producer<String, Measurement> producer = this.producer;
    if (producer == null) {
      undeliverable(measurement, new KafkaException("no producer yet for " + servers));
      return;
    }
    try {
      producer.send(
          new ProducerRecord<>(topic, measurement.kafkaKey(), measurement),
          (metadata, error) -> {
            if (error == null) {
              delivered.incrementAndGet();
              latency.record((System.nanoTime() - start) / 1e6, 1);
              if (failing.compareAndSet(true, false)) {
                LOG.info("kafka: delivering again to {}", topic);
              }
            } else {
              undeliverable(measurement, error);
            }
          });
    } catch (RuntimeException e) {
      // Thrown by send() itself: metadata timeout, buffer full, producer closed.
      undeliverable(measurement, e);
    }
  }

  private void undeliverable(Measurement measurement, Exception error) {
    failed.incrementAndGet();
    if (SpooledKafkaSink.refusedForGood(error)) {
      rejected.incrementAndGet();
      LOG.warn(
          "kafka: measurement {} refused for good: {}", measurement.eventId(), error.toString());
    }
    if (failing.compareAndSet(false, true)) {
      LOG.warn(
          "kafka: cannot deliver to {} ({}); counting undelivered measurements until it recovers",
          topic,
          error.toString());
    } else {
      LOG.debug("kafka: undelivered {}: {}", measurement.eventId(), error.toString());
    }
    try {
      undelivered.accept(measurement);
    } catch (RuntimeException e) {
      LOG.warn("kafka: the undelivered-measurement sink failed", e);
    }
  }

  /** Measurements handed to the producer. */
  public long sent() {
    return sent.get();
  }

  /** Measurements acknowledged by the brokers. */
  public long delivered() {
    return delivered.get();
  }

  /** Measurements that could not be delivered. */
  @Override
  public long failed() {
    return failed.get();
  }

  @Override
  public long published() {
    return delivered();
  }

  @Override
  public long spooled() {
    return 0;
  }

  /**
   * Without a spool an undelivered measurement is lost (unless the undelivered sink keeps it);
   * those Kafka refused for good are counted in {@link #rejected()} instead.
   */
  @Override
  public long dropped() {
    return failed() - rejected();
  }

  /** Measurements Kafka refused for good (too large, invalid). */
  @Override
  public long rejected() {
    return rejected.get();
  }

  @Override
  public long spoolEntries() {
    return 0;
  }

  @Override
  public long spoolBytes() {
    return 0;
  }

  @Override
  public PublishLatency latency() {
    return latency;
  }

  @Override
  public void flush() {
    Producer<String, Measurement> producer = this.producer;
    if (producer != null) {
      producer.flush();
    }
  }

  @Override
  public void close() {
    Producer<String, Measurement> producer;
    synchronized (this) {
      closed = true;
      producer = this.producer;
      notifyAll();
    }
    if (producer != null) {
      producer.close(CLOSE_TIMEOUT);
    }
    undelivered.close();
    LOG.info(
        "kafka: closed; {} measurements sent, {} delivered, {} undelivered",
        sent(),
        delivered(),
        failed());
  }
}
