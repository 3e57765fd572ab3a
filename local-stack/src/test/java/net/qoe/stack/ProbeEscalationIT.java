package net.qoe.stack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import net.qoe.kafka.Topics;
import net.qoe.kafka.embedded.EmbeddedKafka;
import net.qoe.kafka.message.Measurement;
import net.qoe.kafka.message.TierCommand;
import net.qoe.kafka.serde.MessageSerde;
import net.qoe.kafka.serde.MessageSigner;
import net.qoe.probe.Probe;
import net.qoe.probe.autoperf.AutoPerf;
import net.qoe.probe.autoperf.Rejection;
import net.qoe.probe.config.ProbeConfig;
import net.qoe.probe.responder.DelayHttpServer;
import net.qoe.probe.responder.TcpSink;
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
import org.junit.jupiter.api.io.TempDir;

/**
 * AutoPerf end to end with real parts: a probe measures a local HTTP target; 2.5 s of added delay
 * makes the job escalate the pair and the probe, obeying the signed command, runs the tier-2 suite
 * (tier-2 measurements on the topic, tier 2 on its status API); a throttled bandwidth sink (a
 * tier-2 breach) takes it to tier 3; removing the faults brings it back to tier 1; Postgres holds
 * the whole history; forged, expired and replayed commands are refused.
 */
class ProbeEscalationIT {

  private static final String SECRET = "probe-escalation-it-secret";
  private static final String PROBE = "probe-x";
  private static final double TIER1_INTERVAL_S = 5.0;
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static final MiniClusterExtension FLINK = RunningPipeline.miniCluster();

  @TempDir static Path dir;

  private static RunningPipeline stack;
  private static EmbeddedKafka kafka;
  private static EmbeddedDatabase db;
  private static JobClient job;

  @BeforeAll
  static void start() throws Exception {
    stack = RunningPipeline.start();
    kafka = stack.kafka;
    db = stack.db;
    Path autoperf = dir.resolve("autoperf.yml");
    Files.writeString(
        autoperf,
        """
        autoperf:
          escalation:
            windows_to_escalate: 1
            healthy_windows: 5
            cooldown: 1s
            command_ttl: 300s
        """);
    job =
        stack.startJob(
            "--window", "2s",
            // runs are stamped with their start: a 2.5 s http run and a throttled bandwidth
            // run (the sink drains the socket buffers slowly) must arrive before the window
            // closes
            "--out-of-orderness", "6s",
            "--idleness", "1s",
            "--checkpoint-interval", "1s",
            "--jdbc-batch-interval", "100ms",
            "--command-secret", SECRET,
            "--autoperf-config", autoperf.toString());
  }

  @AfterAll
  static void stop() throws Exception {
    if (stack != null) {
      stack.close();
    }
  }

  private static ProbeConfig probeConfig(DelayHttpServer http, TcpSink sink) {
    return ProbeConfig.fromYaml(
            """
            probe_id: %s
            kafka: {bootstrap_servers: "%s"}
            defaults: {interval_s: %s, timeout_ms: 5000}
            status: {port: 0}
            targets:
              - name: web
                host: 127.0.0.1
                tests:
                  - {type: http, url: "%s"}
                  - {type: tcp, port: %d, interval_s: 1}
                  - {type: bandwidth, port: %d, interval_s: 3600}
            autoperf:
              enabled: true
              command_secret: %s
              tier2:
                interval: 1
                tests: [http_trace, {name: iperf3_quick, duration: 0.3}]
              tier3:
                interval: 1.5
                tests: [system_diagnostics, {name: iperf3_full, duration: 0.3}]
              resource_limits:
                tier2: {test_timeout: 8s, max_concurrent: 2}
                tier3: {test_timeout: 5s, max_concurrent: 1}
            """
                .formatted(
                    PROBE,
                    kafka.bootstrapServers(),
                    TIER1_INTERVAL_S,
                    http.url(),
                    http.port(),
                    sink.port(),
                    SECRET))
        .build();
  }

  @Test
  void aSlowTargetTakesTheProbeToTierTwoThenThreeAndBackWithTheWholeHistory() throws Exception {
    try (DelayHttpServer http = DelayHttpServer.http("127.0.0.1", 0).start();
        TcpSink sink = TcpSink.onLoopback().start();
        Probe probe = Probe.withKafka(probeConfig(http, sink)).start();
        KafkaConsumer<byte[], byte[]> measurements =
            consumer(Topics.MEASUREMENTS, "read_uncommitted")) {
      AutoPerf autoperf = probe.autoPerf().orElseThrow();
      waitFor("the probe listens for commands", autoperf::listening, Duration.ofSeconds(30));
      List<Measurement> seen = new ArrayList<>();
      // healthy first: tier-1 measurements flow, nothing escalates
      pollUntil(
          measurements,
          seen,
          () -> seen.stream().filter(m -> m.test().equals("http")).count() >= 2,
          Duration.ofSeconds(30));
      assertThat(seen).allMatch(m -> m.tier() == 1);
      assertThat(tier(probe)).isEqualTo(1);

      // fault: +2.5 s on every response
      long onset = System.currentTimeMillis();
      http.setDelayMs(2500);
      pollUntil(
          measurements,
          seen,
          () -> seen.stream().anyMatch(m -> m.tier() == 2 && m.tsMs() >= onset),
          Duration.ofSeconds(30));
      Measurement firstTier2 =
          seen.stream().filter(m -> m.tier() == 2 && m.tsMs() >= onset).findFirst().orElseThrow();
      long onsetToTier2 = firstTier2.tsMs() - onset;
      System.out.printf(
          "[ProbeEscalationIT] fault onset -> first tier-2 test running: %d ms (%.1f tier-1 intervals)%n",
          onsetToTier2, onsetToTier2 / (TIER1_INTERVAL_S * 1000));
      // The timeline, part by part: the first slow run starts within one jittered interval
      // (+10 %); its window ends at most 2 s after that; the watermark, 6 s of out-of-orderness
      // behind the newest run, passes the end with the next tcp run (every 1 s); the command
      // commits with the next checkpoint (every 1 s); then the checkpoint's own time, the probe's
      // poll and the start of its first tier-2 run (2 s allowed). Runs here took 11.8-14.9 s.
      long bound = (long) (1.1 * TIER1_INTERVAL_S * 1000) + 2_000 + 6_000 + 1_000 + 1_000 + 2_000;
      assertThat(onsetToTier2).isLessThanOrEqualTo(bound);
      assertThat(tier(probe)).isGreaterThanOrEqualTo(2);

      // a tier-2 breach: the bandwidth sink is throttled to 8 Mbps (< 10 Mbps); a run sends for
      // 0.3 s, then waits while the sink drains the socket buffers at that rate (4.3 s for the
      // 4.2 MB they held here), so the tier-2 timeout is 8 s
      sink.setMaxBytesPerSecond(1_000_000);
      pollUntil(
          measurements,
          seen,
          () -> seen.stream().anyMatch(m -> m.tier() == 3),
          Duration.ofSeconds(60));
      waitFor("status shows tier 3", () -> tier(probe) == 3, Duration.ofSeconds(10));
      assertThat(seen.stream().filter(m -> m.tier() == 2 && m.test().equals("bandwidth")))
          .anyMatch(m -> m.ok() && m.metric("throughput_mbps") < 10);

      // faults removed: back to tier 1
      http.setDelayMs(0);
      sink.setMaxBytesPerSecond(0);
      waitFor("back to tier 1", () -> tier(probe) == 1, Duration.ofSeconds(60));

      List<String> history = transitions();
      assertThat(history).containsSubsequence("1>2", "2>3", "3>2", "2>1");
      JsonNode triggers = get(probe, "/api/autoperf/triggers").path("triggers");
      assertThat(triggers.size()).isGreaterThanOrEqualTo(4);
      assertThat(triggers.get(0).path("to_tier").asInt()).isEqualTo(1);

      // refused: forged, expired, replayed
      TierCommand real = firstCommand();
      try (KafkaProducer<byte[], byte[]> producer = producer()) {
        long now = System.currentTimeMillis();
        TierCommand fresh =
            new TierCommand(
                1,
                UUID.randomUUID().toString(),
                PROBE,
                "web",
                1,
                2,
                List.of(),
                "forged",
                now,
                now + 60_000,
                null);
        send(producer, MessageSigner.fromSecret("an-attacker-s-own-secret").sign(fresh));
        TierCommand old =
            new TierCommand(
                1,
                UUID.randomUUID().toString(),
                PROBE,
                "web",
                1,
                2,
                List.of(),
                "old",
                now - 120_000,
                now - 60_000,
                null);
        send(producer, MessageSigner.fromSecret(SECRET).sign(old));
        send(producer, real);
      }
      waitFor(
          "forged, expired and replayed refused",
          () ->
              autoperf.rejected(Rejection.FORGED) >= 1
                  && autoperf.rejected(Rejection.EXPIRED) >= 1
                  && autoperf.rejected(Rejection.REPLAYED) >= 1,
          Duration.ofSeconds(20));
      assertThat(autoperf.rejected(Rejection.FORGED)).isEqualTo(1);
      assertThat(autoperf.rejected(Rejection.REPLAYED)).isEqualTo(1);
      assertThat(tier(probe)).isEqualTo(1);
    }
  }

  private static int tier(Probe probe) {
    try {
      return get(probe, "/api/autoperf/status").path("current_tier").asInt();
    } catch (Exception e) {
      return -1;
    }
  }

  private static JsonNode get(Probe probe, String path) throws Exception {
    int port = probe.statusAddress().orElseThrow().getPort();
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    return JSON.readTree(r.body());
  }

  private static List<String> transitions() {
    List<String> out = new ArrayList<>();
    try (Connection c = db.dataSource().getConnection();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT from_tier || '>' || to_tier FROM tier_transitions"
                    + " WHERE probe_id = '"
                    + PROBE
                    + "' AND from_tier <> to_tier ORDER BY at")) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    } catch (Exception e) {
      return List.of();
    }
    return out;
  }

  private static TierCommand firstCommand() throws Exception {
    try (KafkaConsumer<byte[], byte[]> c = consumer(Topics.COMMANDS, "read_committed")) {
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (System.nanoTime() < end) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
          TierCommand cmd = MessageSerde.TIER_COMMAND.fromBytes(r.value());
          if (cmd.probeId().equals(PROBE)) {
            return cmd;
          }
        }
      }
    }
    throw new AssertionError("no command for " + PROBE + " on " + Topics.COMMANDS);
  }

  private static void pollUntil(
      KafkaConsumer<byte[], byte[]> consumer,
      List<Measurement> seen,
      BooleanSupplier done,
      Duration timeout)
      throws Exception {
    long end = System.nanoTime() + timeout.toNanos();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError(
            "not within "
                + timeout
                + "; tiers seen: "
                + seen.stream().map(m -> m.test() + "@" + m.tier()).distinct().toList()
                + "; deeper runs, last 8: "
                + seen.stream()
                    .filter(m -> m.tier() > 1)
                    .skip(Math.max(0, seen.stream().filter(m -> m.tier() > 1).count() - 8))
                    .map(ProbeEscalationIT::describe)
                    .toList()
                + "; transitions "
                + transitions());
      }
      for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
        Measurement m = MessageSerde.MEASUREMENT.fromBytes(r.value());
        if (m.probeId().equals(PROBE)) {
          seen.add(m);
        }
      }
    }
  }

  private static String describe(Measurement m) {
    return m.test()
        + "@"
        + m.tier()
        + " ts "
        + m.tsMs()
        + (m.ok() ? " ok " + m.metrics() : " failed: " + m.error());
  }

  private static void waitFor(String what, BooleanSupplier condition, Duration timeout)
      throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError(
            what + ": not within " + timeout + "; transitions " + transitions());
      }
      Thread.sleep(100);
    }
  }

  private static KafkaConsumer<byte[], byte[]> consumer(String topic, String isolation) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "probe-escalation-it-" + UUID.randomUUID());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
    KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    c.subscribe(List.of(topic));
    return c;
  }

  private static KafkaProducer<byte[], byte[]> producer() {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
  }

  private static void send(KafkaProducer<byte[], byte[]> producer, TierCommand c) throws Exception {
    producer
        .send(
            new ProducerRecord<>(
                Topics.COMMANDS,
                c.probeId().getBytes(StandardCharsets.UTF_8),
                MessageSerde.TIER_COMMAND.toBytes(c)))
        .get();
  }
}
