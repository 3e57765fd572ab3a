package net.qoe.probe.publish;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import net.qoe.kafka.message.Measurement;
import net.qoe.kafka.serde.KafkaJsonSerializer;
import net.qoe.kafka.serde.MessageSerde;
import net.qoe.probe.config.KafkaSettings;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes measurements to Kafka, keyed {@code probe_id|target} so that one series stays in order
 * in one partition. Idempotent, acks=all: a retried send never duplicates or reorders a record.
 *
 * <p>A measurement that cannot be delivered is counted and handed to the {@code undelivered} sink,
 * the place where a disk spool plugs in; by default it is only logged.
 */
public final class KafkaMeasurementSink implements MeasurementSink, DeliveryStats {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaMeasurementSink.class);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

  private final Producer<String, Measurement> producer;
  private final String topic;
  private final MeasurementSink undelivered;
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong delivered = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
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
    this.producer =
        new KafkaProducer<>(
            producerProperties(settings, clientId),
            new StringSerializer(),
            new KafkaJsonSerializer<>(MessageSerde.MEASUREMENT));
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
    return props;
  }

  @Override
  public void accept(Measurement measurement) {
    sent.incrementAndGet();
    long start = System.nanoTime();
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

  /** Without a spool an undelivered measurement is lost (unless the undelivered sink keeps it). */
  @Override
  public long dropped() {
    return failed();
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
    producer.flush();
  }

  @Override
  public void close() {
    producer.close(CLOSE_TIMEOUT);
    undelivered.close();
    LOG.info(
        "kafka: closed; {} measurements sent, {} delivered, {} undelivered",
        sent(),
        delivered(),
        failed());
  }
}
