package net.qoe.kafka.embedded;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import net.qoe.kafka.Topics;
import net.qoe.kafka.message.Measurement;
import net.qoe.kafka.serde.KafkaJsonSerializer;
import net.qoe.kafka.serde.MalformedMessageException;
import net.qoe.kafka.serde.MessageSerde;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Plain producer and consumer helpers for the broker tests. */
final class TestClients {

  private TestClients() {}

  static Measurement measurement(String probe) {
    return new Measurement(
        1,
        UUID.randomUUID().toString(),
        probe,
        "web-1",
        "http",
        1,
        System.currentTimeMillis(),
        true,
        null,
        null,
        null,
        null,
        Map.of("total_ms", 12.5, "status", 200.0));
  }

  static KafkaProducer<String, Measurement> producer(String bootstrap, Map<String, Object> extra) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.putAll(extra);
    return new KafkaProducer<>(
        props, new StringSerializer(), new KafkaJsonSerializer<>(MessageSerde.MEASUREMENT));
  }

  static void produce(String bootstrap, Measurement m) throws Exception {
    try (KafkaProducer<String, Measurement> producer = producer(bootstrap, Map.of())) {
      producer
          .send(new ProducerRecord<>(Topics.MEASUREMENTS, m.kafkaKey(), m))
          .get(30, TimeUnit.SECONDS);
    }
  }

  /**
   * Reads {@code qoe.measurements} from the beginning until every wanted event id was seen or 30 s
   * passed; returns the wanted measurements found, in the order of {@code eventIds}.
   */
  static List<Measurement> consume(String bootstrap, List<String> eventIds)
      throws MalformedMessageException {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    List<Measurement> found = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(Topics.MEASUREMENTS, Duration.ofSeconds(30)).stream()
              .map((PartitionInfo p) -> new TopicPartition(p.topic(), p.partition()))
              .collect(Collectors.toList());
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (found.size() < eventIds.size() && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          Measurement m = MessageSerde.MEASUREMENT.fromBytes(r.value());
          if (eventIds.contains(m.eventId())) {
            found.add(m);
          }
        }
      }
    }
    found.sort((a, b) -> eventIds.indexOf(a.eventId()) - eventIds.indexOf(b.eventId()));
    return found;
  }
}
