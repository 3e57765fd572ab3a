package net.qoe.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import net.qoe.kafka.Topics;
import net.qoe.kafka.embedded.EmbeddedKafka;
import net.qoe.kafka.message.Measurement;
import net.qoe.kafka.message.TierCommand;
import net.qoe.kafka.serde.MessageSerde;
import net.qoe.kafka.serde.MessageSigner;
import net.qoe.sql.EmbeddedDatabase;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The job's side of AutoPerf with real parts: slow HTTP windows make the job escalate the pair,
 * record the transition in Postgres and send a signed command that becomes visible to a
 * read_committed consumer once its checkpoint completes (Kafka transactions).
 */
class EscalationIT {

  private static final String SECRET = "escalation-it-shared-secret";

  @RegisterExtension static final MiniClusterExtension FLINK = RunningPipeline.miniCluster();

  private static RunningPipeline stack;
  private static EmbeddedKafka kafka;
  private static EmbeddedDatabase db;
  private static JobClient job;

  @BeforeAll
  static void start() throws Exception {
    stack = RunningPipeline.start();
    kafka = stack.kafka;
    db = stack.db;
    job =
        stack.startJob(
            "--window", "2s",
            "--out-of-orderness", "0s",
            "--idleness", "1s",
            "--checkpoint-interval", "1s",
            "--jdbc-batch-interval", "100ms",
            "--command-secret", SECRET);
  }

  @AfterAll
  static void stop() throws Exception {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void slowHttpRunsEscalateThePairWithASignedCommandAndAHistoryRow() throws Exception {
    long base = System.currentTimeMillis() - 60_000;
    base -= base % 2000;
    try (KafkaProducer<byte[], byte[]> producer = producer()) {
      for (int i = 0; i < 4; i++) {
        send(producer, http("probe-e", "shop", base + i * 400L, 2450 + i));
        send(producer, http("probe-e", "blog", base + i * 400L, 120));
      }
      // a later record closes the window
      send(producer, http("probe-e", "blog", base + 6000, 120));
      producer.flush();
    }

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    List<String> rows = List.of();
    while (rows.isEmpty() && System.nanoTime() < deadline) {
      rows = transitions();
      TimeUnit.MILLISECONDS.sleep(250);
    }
    assertThat(rows)
        .singleElement()
        .asString()
        // three raw runs over 2000 ms take the fast path, before the window even closes
        // (which slow run came third is not asserted)
        .startsWith("probe-e|shop|1|2|3 hard breaches in a row, last: http total 245")
        .endsWith(" ms > 2000 ms");

    List<TierCommand> commands = readCommittedCommands(1);
    assertThat(commands).hasSize(1);
    TierCommand command = commands.get(0);
    assertThat(command.probeId()).isEqualTo("probe-e");
    assertThat(command.target()).isEqualTo("shop");
    assertThat(command.toTier()).isEqualTo(2);
    assertThat(command.tests()).contains("extended_ping", "mtr");
    assertThat(command.expiresMs()).isGreaterThan(command.issuedMs());
    assertThat(MessageSigner.fromSecret(SECRET).verify(command)).isTrue();
    assertThat(MessageSigner.fromSecret("some-other-secret-value").verify(command)).isFalse();
  }

  private static List<String> transitions() {
    List<String> out = new ArrayList<>();
    try (Connection c = db.dataSource().getConnection();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT probe_id || '|' || target || '|' || from_tier || '|' || to_tier || '|' ||"
                    + " reason FROM tier_transitions ORDER BY at")) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    } catch (Exception e) {
      return List.of();
    }
    return out;
  }

  private static List<TierCommand> readCommittedCommands(int expected) throws Exception {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "escalation-it-" + UUID.randomUUID());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<TierCommand> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(Topics.COMMANDS));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (out.size() < expected && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          out.add(MessageSerde.TIER_COMMAND.fromBytes(r.value()));
        }
      }
      // nothing more arrives: no duplicate of the command
      for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofSeconds(3))) {
        out.add(MessageSerde.TIER_COMMAND.fromBytes(r.value()));
      }
    }
    return out;
  }

  private static Measurement http(String probe, String target, long ts, double totalMs) {
    return new Measurement(
        1,
        UUID.randomUUID().toString(),
        probe,
        target,
        "http",
        1,
        ts,
        true,
        null,
        null,
        null,
        null,
        Map.of("total_ms", totalMs));
  }

  private static void send(KafkaProducer<byte[], byte[]> producer, Measurement m) {
    producer.send(
        new ProducerRecord<>(
            Topics.MEASUREMENTS,
            m.kafkaKey().getBytes(StandardCharsets.UTF_8),
            MessageSerde.MEASUREMENT.toBytes(m)));
  }

  private static KafkaProducer<byte[], byte[]> producer() {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
  }
}
