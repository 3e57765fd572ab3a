package net.qoe.kafka.embedded;

import static net.qoe.kafka.embedded.TestClients.consume;
import static net.qoe.kafka.embedded.TestClients.measurement;
import static net.qoe.kafka.embedded.TestClients.produce;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import net.qoe.kafka.TopicCreator;
import net.qoe.kafka.Topics;
import net.qoe.kafka.message.Measurement;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** One broker for the whole class; the restart test runs last. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EmbeddedKafkaTest {

  private static EmbeddedKafka kafka;

  @BeforeAll
  static void startBroker() {
    kafka = EmbeddedKafka.start();
  }

  @AfterAll
  static void closeBroker() {
    if (kafka != null) {
      Path dir = kafka.dataDir();
      kafka.close();
      assertThat(dir).as("a data directory the broker created is deleted on close").doesNotExist();
    }
  }

  @Test
  @Order(1)
  void ensureAllCreatesEveryPipelineTopicAndASecondCallCreatesNothing() throws Exception {
    assertThat(TopicCreator.ensureAll(kafka.bootstrapServers()))
        .containsExactlyInAnyOrderElementsOf(Topics.ALL.stream().map(t -> t.name()).toList());
    assertThat(TopicCreator.ensureAll(kafka.bootstrapServers())).isEmpty();

    try (Admin admin = admin()) {
      var described =
          admin.describeTopics(Topics.ALL.stream().map(t -> t.name()).toList()).allTopicNames();
      for (var spec : Topics.ALL) {
        assertThat(described.get(30, TimeUnit.SECONDS).get(spec.name()).partitions())
            .as(spec.name())
            .hasSize(spec.partitions());
      }
    }
  }

  @Test
  @Order(2)
  void aMeasurementWrittenWithTheJsonSerializerIsReadBackEqual() throws Exception {
    TopicCreator.ensureAll(kafka.bootstrapServers());
    Measurement m = measurement("probe-1");
    produce(kafka.bootstrapServers(), m);
    assertThat(consume(kafka.bootstrapServers(), List.of(m.eventId()))).containsExactly(m);
  }

  @Test
  @Order(3)
  void listensOnLoopbackOnlyWithTheSingleNodeSettings() throws Exception {
    assertThat(kafka.bootstrapServers()).isEqualTo("127.0.0.1:" + kafka.port());
    try (Admin admin = admin()) {
      Collection<Node> nodes = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS);
      assertThat(nodes).singleElement().extracting(Node::host).isEqualTo("127.0.0.1");
      ConfigResource broker =
          new ConfigResource(ConfigResource.Type.BROKER, nodes.iterator().next().idString());
      Config config =
          admin.describeConfigs(List.of(broker)).all().get(30, TimeUnit.SECONDS).get(broker);
      assertThat(
              Map.of(
                  "auto.create.topics.enable", config.get("auto.create.topics.enable").value(),
                  "offsets.topic.replication.factor",
                      config.get("offsets.topic.replication.factor").value(),
                  "transaction.state.log.min.isr",
                      config.get("transaction.state.log.min.isr").value(),
                  "transaction.max.timeout.ms", config.get("transaction.max.timeout.ms").value(),
                  "group.initial.rebalance.delay.ms",
                      config.get("group.initial.rebalance.delay.ms").value()))
          .containsEntry("auto.create.topics.enable", "false")
          .containsEntry("offsets.topic.replication.factor", "1")
          .containsEntry("transaction.state.log.min.isr", "1")
          .containsEntry("transaction.max.timeout.ms", "3600000")
          .containsEntry("group.initial.rebalance.delay.ms", "0");
    }
  }

  @Test
  @Order(4)
  void writingToAnUnknownTopicDoesNotCreateIt() throws Exception {
    try (KafkaProducer<String, Measurement> producer =
        TestClients.producer(
            kafka.bootstrapServers(), Map.of(ProducerConfig.MAX_BLOCK_MS_CONFIG, 1500))) {
      Measurement m = measurement("probe-1");
      assertThatThrownBy(
              () ->
                  producer
                      .send(new ProducerRecord<>("qoe.measurment", m.kafkaKey(), m))
                      .get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class);
    }
    try (Admin admin = admin()) {
      assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS))
          .doesNotContain("qoe.measurment");
    }
  }

  @Test
  @Order(5)
  void afterStopAndRestartClientsUseTheSameAddressAndFindTheEarlierData() throws Exception {
    TopicCreator.ensureAll(kafka.bootstrapServers());
    String address = kafka.bootstrapServers();
    Measurement before = measurement("probe-before");
    produce(address, before);

    kafka.stop();
    assertThat(kafka.isRunning()).isFalse();
    assertThat(Files.exists(kafka.dataDir())).as("stop keeps the data").isTrue();
    assertThatThrownBy(() -> connect(kafka.port())).isInstanceOf(ConnectException.class);

    kafka.restart();
    assertThat(kafka.isRunning()).isTrue();
    assertThat(kafka.bootstrapServers()).isEqualTo(address);
    assertThat(TopicCreator.ensureAll(address)).as("topics survive a restart").isEmpty();

    Measurement after = measurement("probe-after");
    produce(address, after);
    assertThat(consume(address, List.of(before.eventId(), after.eventId())))
        .containsExactly(before, after);
  }

  private static void connect(int port) throws Exception {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
    }
  }

  private static Admin admin() {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    return Admin.create(props);
  }
}
