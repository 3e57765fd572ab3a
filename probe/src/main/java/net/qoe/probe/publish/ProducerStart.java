package net.qoe.probe.publish;

import java.time.Duration;
import java.util.Properties;
import net.qoe.kafka.message.Measurement;
import net.qoe.kafka.serde.KafkaJsonSerializer;
import net.qoe.kafka.serde.MessageSerde;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Creating the probe's Kafka producer, which fails while no broker name resolves ({@code
 * ConfigException: No resolvable bootstrap urls}); the sinks retry it with these waits instead of
 * refusing to start.
 */
final class ProducerStart {

  static final Duration FIRST_RETRY = Duration.ofSeconds(1);
  static final Duration MAX_RETRY = Duration.ofSeconds(30);

  private ProducerStart() {}

  static Producer<String, Measurement> create(Properties props) {
    return new KafkaProducer<>(
        props, new StringSerializer(), new KafkaJsonSerializer<>(MessageSerde.MEASUREMENT));
  }

  /** The wait after {@code failures} failed attempts in a row: 1 s, doubling, at most 30 s. */
  static Duration backoff(int failures) {
    int doublings = Math.min(Math.max(failures - 1, 0), 5);
    Duration d = FIRST_RETRY.multipliedBy(1L << doublings);
    return d.compareTo(MAX_RETRY) > 0 ? MAX_RETRY : d;
  }

  /**
   * The reason to log: the innermost message (the ConfigException's, not "Failed to construct").
   */
  static String reason(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.toString();
  }
}
