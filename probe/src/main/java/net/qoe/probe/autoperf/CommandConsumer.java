package net.qoe.probe.autoperf;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads {@code qoe.commands} on its own thread and hands this probe's records (keyed by its id) to
 * a handler. Bytes are never deserialized by Kafka, so bad records cannot break the loop; an absent
 * broker only means polls that return nothing; a handler that throws is logged. The consumer group
 * is the probe's own, reading committed commands only (the job sends them in transactions), from
 * the earliest retained one the first time, so a probe that starts during an escalation obeys the
 * command in force.
 */
public final class CommandConsumer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(CommandConsumer.class);
  private static final Duration POLL = Duration.ofMillis(500);

  private final String probeId;
  private final byte[] key;
  private final String topic;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Consumer<byte[]> handler;
  private final Thread thread;
  private volatile boolean running = true;
  private volatile boolean started;
  private volatile long polls;

  public CommandConsumer(
      String bootstrapServers, String topic, String probeId, Consumer<byte[]> handler) {
    this.probeId = probeId;
    this.key = probeId.getBytes(StandardCharsets.UTF_8);
    this.topic = topic;
    this.handler = handler;
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "qoe-probe-commands-" + probeId);
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "qoe-probe-commands-" + probeId);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "true");
    p.put(ConsumerConfig.AUTO_COMMIT_INTERVAL_MS_CONFIG, "1000");
    p.put(ConsumerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "5000");
    this.consumer =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    this.thread = new Thread(this::loop, "autoperf-commands");
    thread.setDaemon(true);
  }

  public synchronized CommandConsumer start() {
    started = true;
    thread.start();
    return this;
  }

  /** Polls done so far: a test can wait until the consumer is live. */
  public long polls() {
    return polls;
  }

  private void loop() {
    try {
      consumer.subscribe(List.of(topic));
      LOG.info("[autoperf] probe {} listening for tier commands on {}", probeId, topic);
      while (running) {
        try {
          for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
            if (r.key() == null || !Arrays.equals(r.key(), key)) {
              continue; // another probe's command
            }
            try {
              handler.accept(r.value());
            } catch (RuntimeException e) {
              LOG.warn("[autoperf] handling a command failed", e);
            }
          }
          polls++;
        } catch (WakeupException e) {
          // closing
        } catch (org.apache.kafka.common.errors.InterruptException e) {
          Thread.currentThread().interrupt();
          return;
        } catch (RuntimeException e) {
          // e.g. an authorization or a topic error: keep trying, a little slower
          LOG.warn("[autoperf] polling {} failed: {}", topic, e.toString());
          sleepQuietly();
        }
      }
    } finally {
      try {
        consumer.close(Duration.ofSeconds(2));
      } catch (RuntimeException e) {
        LOG.debug("[autoperf] closing the command consumer: {}", e.toString());
      }
    }
  }

  private void sleepQuietly() {
    try {
      Thread.sleep(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      running = false;
    }
  }

  @Override
  public synchronized void close() {
    running = false;
    if (!started) {
      consumer.close(Duration.ZERO);
      return;
    }
    consumer.wakeup();
    try {
      thread.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
