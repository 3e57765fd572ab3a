package net.qoe.probe.autoperf;

import static net.qoe.probe.autoperf.TierRunnerTest.waitFor;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import net.qoe.kafka.TopicCreator;
import net.qoe.kafka.Topics;
import net.qoe.kafka.embedded.EmbeddedKafka;
import net.qoe.kafka.message.TierCommand;
import net.qoe.kafka.serde.MessageSigner;
import net.qoe.probe.CollectingSink;
import net.qoe.probe.config.AutoPerfSettings;
import net.qoe.probe.config.AutoPerfSettings.SuiteTest;
import net.qoe.probe.config.AutoPerfSettings.TierSuite;
import net.qoe.probe.config.ProbeConfig;
import net.qoe.probe.config.TargetConfig;
import net.qoe.probe.config.TestSpec;
import net.qoe.probe.responder.DelayHttpServer;
import net.qoe.probe.tests.ProbeTests;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Commands through a real broker: a valid one changes the tier and the suite's measurements carry
 * it; forged, expired, replayed, unknown-target and garbage records are refused and counted, and
 * none of them stops the consumer.
 */
class CommandConsumerTest {

  private static EmbeddedKafka kafka;
  private static DelayHttpServer http;
  private static KafkaProducer<byte[], byte[]> producer;
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir static Path kafkaDir;
  @TempDir Path stateDir;

  @BeforeAll
  static void start() throws Exception {
    kafka = EmbeddedKafka.start(kafkaDir, 0);
    TopicCreator.ensureAll(kafka.bootstrapServers());
    http = DelayHttpServer.http("127.0.0.1", 0).start();
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }

  @AfterAll
  static void stop() {
    if (producer != null) {
      producer.close();
    }
    if (http != null) {
      http.close();
    }
    if (kafka != null) {
      kafka.close();
    }
  }

  private ProbeConfig config(String probe, String secret, Path stateFile) {
    AutoPerfSettings settings =
        new AutoPerfSettings(
            true,
            secret,
            null,
            stateFile == null ? null : stateFile.toString(),
            1000,
            false,
            new TierSuite(true, 0.5, 2000, 2, java.util.List.of(SuiteTest.named("http_trace"))),
            null);
    return ProbeConfig.builder()
        .probeId(probe)
        .bootstrapServers(kafka.bootstrapServers())
        .target(TargetConfig.of("web", null, null, TestSpec.http(http.url().toString())))
        .autoperf(settings)
        .build();
  }

  private static void send(String key, byte[] value) throws Exception {
    producer
        .send(
            new ProducerRecord<>(
                Topics.COMMANDS, key == null ? null : key.getBytes(StandardCharsets.UTF_8), value))
        .get();
  }

  private static AutoPerf started(ProbeConfig config, CollectingSink sink) throws Exception {
    AutoPerf a = new AutoPerf(config, sink, ProbeTests.standard()).start();
    waitFor(a::listening, WAIT);
    return a;
  }

  @Test
  void aValidCommandSetsTheTierAndTheSuiteRunsWithIt() throws Exception {
    CollectingSink sink = new CollectingSink();
    try (AutoPerf a = started(config("probe-valid", Commands.SECRET, null), sink)) {
      TierCommand c = Commands.signed(Commands.command("probe-valid", "web", 1, 2, 60_000));
      send("probe-valid", Commands.bytes(c));
      waitFor(() -> a.runner().tier("web") == 2, WAIT);
      assertThat(a.accepted()).isEqualTo(1);
      sink.await(2, m -> m.tier() == 2 && m.test().equals("http") && m.ok(), WAIT);

      TierCommand down = Commands.signed(Commands.command("probe-valid", "web", 2, 1, 60_000));
      send("probe-valid", Commands.bytes(down));
      waitFor(() -> a.runner().tier("web") == 1, WAIT);
      assertThat(a.runner().triggers())
          .extracting(Trigger::commandId)
          .containsExactly(c.commandId(), down.commandId());
    }
  }

  @Test
  void badCommandsAreRefusedAndCountedByReasonAndTheConsumerCarriesOn() throws Exception {
    CollectingSink sink = new CollectingSink();
    String probe = "probe-bad";
    try (AutoPerf a = started(config(probe, Commands.SECRET, null), sink)) {
      // forged: signed with another secret
      TierCommand forged =
          MessageSigner.fromSecret("not-the-shared-secret-at-all")
              .sign(Commands.command(probe, "web", 1, 2, 60_000));
      send(probe, Commands.bytes(forged));
      // tampered after signing: the tier was raised
      TierCommand good = Commands.signed(Commands.command(probe, "web", 1, 2, 60_000));
      TierCommand tampered =
          new TierCommand(
              1,
              good.commandId(),
              probe,
              "web",
              1,
              3,
              good.tests(),
              good.reason(),
              good.issuedMs(),
              good.expiresMs(),
              good.signature());
      send(probe, Commands.bytes(tampered));
      // expired
      send(probe, Commands.bytes(Commands.signed(Commands.command(probe, "web", 1, 2, -1000))));
      // unknown target
      send(probe, Commands.bytes(Commands.signed(Commands.command(probe, "db-9", 1, 2, 60_000))));
      // garbage bytes, an empty value, JSON that is no command
      send(probe, new byte[] {(byte) 0xff, 0x00, 0x13, 0x37});
      send(probe, new byte[0]);
      send(probe, "{\"schema\":1,\"command_id\":\"x\"}".getBytes(StandardCharsets.UTF_8));
      // another probe's command is not ours: ignored, not counted
      send(
          "probe-other",
          Commands.bytes(Commands.signed(Commands.command("probe-other", "web", 1, 2, 60_000))));
      // then the valid one, twice: the second is a replay
      send(probe, Commands.bytes(good));
      send(probe, Commands.bytes(good));

      waitFor(() -> a.rejected(Rejection.REPLAYED) == 1, WAIT);
      assertThat(a.rejected(Rejection.FORGED)).isEqualTo(2);
      assertThat(a.rejected(Rejection.EXPIRED)).isEqualTo(1);
      assertThat(a.rejected(Rejection.UNKNOWN_TARGET)).isEqualTo(1);
      assertThat(a.rejected(Rejection.MALFORMED)).isEqualTo(3);
      assertThat(a.rejected(Rejection.MISADDRESSED)).isZero();
      assertThat(a.accepted()).isEqualTo(1);
      assertThat(a.runner().tier("web")).isEqualTo(2);
      assertThat(a.metrics("probe_id=\"" + probe + "\""))
          .contains(
              "qoe_probe_autoperf_commands_rejected_total{probe_id=\"probe-bad\",reason=\"forged\"} 2")
          .contains("qoe_probe_autoperf_commands_accepted_total{probe_id=\"probe-bad\"} 1");
    }
  }

  @Test
  void withoutASecretEveryCommandIsRefused() throws Exception {
    CollectingSink sink = new CollectingSink();
    String probe = "probe-nosecret";
    try (AutoPerf a = started(config(probe, null, null), sink)) {
      send(probe, Commands.bytes(Commands.signed(Commands.command(probe, "web", 1, 2, 60_000))));
      waitFor(() -> a.rejected(Rejection.UNVERIFIABLE) == 1, WAIT);
      assertThat(a.runner().tier("web")).isEqualTo(1);
    }
  }

  @Test
  void acceptedIdsAndTiersInForceSurviveARestart() throws Exception {
    String probe = "probe-restart";
    Path state = stateDir.resolve("autoperf-state.json");
    TierCommand c = Commands.signed(Commands.command(probe, "web", 1, 2, 60_000));
    try (AutoPerf a = started(config(probe, Commands.SECRET, state), new CollectingSink())) {
      send(probe, Commands.bytes(c));
      waitFor(() -> a.runner().tier("web") == 2, WAIT);
    }
    // a new probe process: the tier is still in force, and the same command is a replay
    AutoPerf b =
        new AutoPerf(
            config(probe, Commands.SECRET, state), new CollectingSink(), ProbeTests.standard());
    try (b) {
      assertThat(b.runner().tier("web")).isEqualTo(2);
      b.handle(Commands.bytes(c));
      assertThat(b.rejected(Rejection.REPLAYED)).isEqualTo(1);
    }
  }
}
