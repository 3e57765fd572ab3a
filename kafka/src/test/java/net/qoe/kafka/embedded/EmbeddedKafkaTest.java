package net.qoe.kafka.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import net.qoe.kafka.TopicCreator;
import net.qoe.kafka.Topics;
import net.qoe.kafka.message.Measurement;
import net.qoe.kafka.serde.KafkaJsonSerializer;
import net.qoe.kafka.serde.MessageSerde;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class EmbeddedKafkaTest {

  private static EmbeddedKafka kafka;

  @BeforeAll
  static void startBroker() {
    kafka = EmbeddedKafka.start();
  }

  @AfterAll
  static void stopBroker() {
    kafka.close();
  }

  @Test
  void createsThePipelineTopicsOnceAndRoundTripsAMeasurementAcrossARestart() throws Exception {
    assertThat(TopicCreator.ensureAll(kafka.bootstrapServers()))
        .containsExactlyInAnyOrderElementsOf(Topics.ALL.stream().map(t -> t.name()).toList());
    assertThat(TopicCreator.ensureAll(kafka.bootstrapServers())).isEmpty();

    Measurement before = measurement("before");
    produce(before);
    String address = kafka.bootstrapServers();

    kafka.stop();
    assertThat(kafka.isRunning()).isFalse();
    kafka.restart();
    assertThat(kafka.bootstrapServers()).isEqualTo(address);

    Measurement after = measurement("after");
    produce(after);
    assertThat(consumeAll(2)).containsExactly(before, after);
    // topics survive the restart: nothing new to create
    assertThat(TopicCreator.ensureAll(kafka.bootstrapServers())).isEmpty();
  }

  private static Measurement measurement(String id) {
    return new Measurement(
        1,
        id + "-" + UUID.randomUUID(),
        "probe-1",
        "web-1",
        "http",
        1,
        System.currentTimeMillis(),
        true,
        null,
        null,
        null,
        null,
        Map.of("total_ms", 12.5));
  }

  private static void produce(Measurement m) throws Exception {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<String, Measurement> producer =
        new KafkaProducer<>(
            props, new StringSerializer(), new KafkaJsonSerializer<>(MessageSerde.MEASUREMENT))) {
      producer
          .send(new ProducerRecord<>(Topics.MEASUREMENTS, m.kafkaKey(), m))
          .get(30, TimeUnit.SECONDS);
    }
  }

  private static List<Measurement> consumeAll(int expected) throws Exception {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "embedded-kafka-test");
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    List<Measurement> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(Topics.MEASUREMENTS));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (out.size() < expected && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          out.add(MessageSerde.MEASUREMENT.fromBytes(r.value()));
        }
      }
    }
    out.sort(java.util.Comparator.comparingLong(Measurement::tsMs));
    return out;
  }
}
