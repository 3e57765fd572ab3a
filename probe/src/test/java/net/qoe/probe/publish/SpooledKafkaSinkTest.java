package net.qoe.probe.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import net.qoe.kafka.TopicCreator;
import net.qoe.kafka.Topics;
import net.qoe.kafka.embedded.EmbeddedKafka;
import net.qoe.kafka.message.Measurement;
import net.qoe.kafka.serde.MessageSerde;
import net.qoe.probe.Probe;
import net.qoe.probe.config.KafkaSettings;
import net.qoe.probe.config.ProbeConfig;
import net.qoe.probe.config.TargetConfig;
import net.qoe.probe.config.TestSpec;
import net.qoe.probe.tests.TestContext;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpooledKafkaSinkTest {

  @TempDir Path kafkaDir;
  @TempDir Path spoolDir;

  private static Measurement small(int n) {
    return new TestContext("probe-big", 1, Duration.ofSeconds(1))
        .measure("t", "tcp", m -> m.metric("n", n));
  }

  private static Measurement huge() {
    // e.g. a script test whose failure message (first stderr line / "error" field) is 1.5 MB
    String message = "x".repeat(1_500_000);
    return new TestContext("probe-big", 1, Duration.ofSeconds(1))
        .measure("t", "script", m -> m.fail("script", message));
  }

  /**
   * A measurement whose JSON is larger than the producer's max.request.size (1 MiB) would be
   * refused by Kafka every time: the spool refuses it (counted), and nothing behind it waits.
   */
  @Test
  void measurementsAfterAnOversizedOneAreStillDelivered() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start(kafkaDir, 0)) {
      TopicCreator.ensureAll(kafka.bootstrapServers());
      KafkaSettings settings = new KafkaSettings(kafka.bootstrapServers(), Topics.MEASUREMENTS);
      SpooledKafkaSink sink =
          new SpooledKafkaSink(settings, "probe-big", DiskSpool.open(spoolDir, 16 << 20));
      List<String> expected = new ArrayList<>();
      try {
        sink.accept(small(0));
        expected.add(null);
        sink.accept(huge());
        for (int i = 1; i <= 5; i++) {
          Measurement m = small(i);
          expected.add(m.eventId());
          sink.accept(m);
        }
        Set<String> onTopic =
            consume(kafka.bootstrapServers(), expected.subList(1, expected.size()));
        assertThat(onTopic)
            .as("small measurements spooled after the oversized one reach the topic")
            .containsAll(expected.subList(1, expected.size()));
        assertThat(sink.rejected()).isEqualTo(1);
        assertThat(sink.spool().refused()).isEqualTo(1);
        assertThat(sink.dropped()).isZero();
      } finally {
        sink.close();
      }
    }
  }

  /**
   * An oversized measurement already in the spool (left by a probe that did not refuse it): Kafka
   * refuses it for good, so the replayer drops it (counted) and delivers what follows.
   */
  @Test
  void anOversizedMeasurementAlreadySpooledIsDroppedAndTheRestDelivered() throws Exception {
    DiskSpool spool = DiskSpool.open(spoolDir, 16 << 20);
    Measurement first = small(0);
    Measurement tooLarge = huge();
    List<String> after = new ArrayList<>();
    spool.accept(first);
    spool.accept(tooLarge);
    for (int i = 1; i <= 5; i++) {
      Measurement m = small(i);
      after.add(m.eventId());
      spool.accept(m);
    }
    assertThat(spool.entries()).isEqualTo(7);
    try (EmbeddedKafka kafka = EmbeddedKafka.start(kafkaDir, 0)) {
      TopicCreator.ensureAll(kafka.bootstrapServers());
      KafkaSettings settings = new KafkaSettings(kafka.bootstrapServers(), Topics.MEASUREMENTS);
      SpooledKafkaSink sink = new SpooledKafkaSink(settings, "probe-big", spool);
      try {
        List<String> wanted = new ArrayList<>(after);
        wanted.add(first.eventId());
        Set<String> onTopic = consume(kafka.bootstrapServers(), wanted);
        assertThat(onTopic).containsAll(wanted).doesNotContain(tooLarge.eventId());
        awaitTrue("the spool to be empty", () -> spool.entries() == 0);
        assertThat(sink.rejected()).isEqualTo(1);
        assertThat(sink.delivered()).isEqualTo(6);
        assertThat(sink.dropped()).isZero();
      } finally {
        sink.close();
      }
    }
  }

  /**
   * The broker's name does not resolve at start (its container is not up yet, DNS is down): with a
   * spool configured the probe starts and spools, not refuse to run.
   */
  @Test
  void aSpooledSinkStartsWhileTheBrokerNameDoesNotResolve() throws Exception {
    KafkaSettings settings = new KafkaSettings("kafka.invalid:9092", Topics.MEASUREMENTS);
    AtomicReference<SpooledKafkaSink> sink = new AtomicReference<>();
    assertThatCode(
            () ->
                sink.set(
                    new SpooledKafkaSink(settings, "probe-dns", DiskSpool.open(spoolDir, 1 << 20))))
        .doesNotThrowAnyException();
    try {
      sink.get()
          .accept(
              new TestContext("probe-dns", 1, Duration.ofSeconds(1))
                  .measure("t", "tcp", m -> m.metric("n", 1)));
      assertThat(sink.get().spoolEntries()).isEqualTo(1);
      awaitTrue("a failed attempt to create the producer", () -> sink.get().failed() > 0);
      assertThat(sink.get().spoolEntries()).isEqualTo(1);
    } finally {
      sink.get().close();
    }
  }

  /** The same through the probe's own wiring: it starts, measures and spools. */
  @Test
  void aProbeWithASpoolRunsWhileTheBrokerNameDoesNotResolve() throws Exception {
    try (ServerSocket db = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      ProbeConfig config =
          ProbeConfig.builder()
              .probeId("probe-dns")
              .bootstrapServers("kafka.invalid:9092")
              .defaultIntervalS(0.2)
              .defaultTimeoutMs(1000)
              .target(TargetConfig.of("db", "127.0.0.1", db.getLocalPort(), TestSpec.tcp()))
              .spool(spoolDir.toString(), 1L << 20)
              .build();
      try (Probe probe = Probe.withKafka(config).start()) {
        awaitTrue("measurements in the spool", () -> spooledBytes(spoolDir) > 0);
      }
    }
  }

  private static long spooledBytes(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .filter(f -> f.toString().endsWith(".seg"))
          .mapToLong(f -> f.toFile().length())
          .sum();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Polls the topic until every wanted id is there or 20 s have passed. */
  private static Set<String> consume(String servers, List<String> wanted) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "oversized-test");
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    Set<String> ids = new HashSet<>();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(Topics.MEASUREMENTS));
      long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (!ids.containsAll(wanted) && System.nanoTime() < end) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          try {
            ids.add(MessageSerde.MEASUREMENT.fromBytes(r.value()).eventId());
          } catch (Exception e) {
            throw new AssertionError(e);
          }
        }
      }
    }
    return ids;
  }

  static void awaitTrue(String what, BooleanSupplier condition) throws InterruptedException {
    long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(50); // polling a condition with a deadline
    }
  }
}
