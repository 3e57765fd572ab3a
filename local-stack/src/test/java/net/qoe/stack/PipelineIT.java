package net.qoe.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import net.qoe.kafka.Topics;
import net.qoe.kafka.embedded.EmbeddedKafka;
import net.qoe.kafka.message.DeadLetter;
import net.qoe.kafka.message.Measurement;
import net.qoe.kafka.serde.MessageSerde;
import net.qoe.probe.Probe;
import net.qoe.probe.config.KafkaSettings;
import net.qoe.probe.config.ProbeConfig;
import net.qoe.probe.publish.KafkaMeasurementSink;
import net.qoe.probe.publish.MeasurementSink;
import net.qoe.probe.responder.DelayHttpServer;
import net.qoe.probe.responder.Responder;
import net.qoe.sql.EmbeddedDatabase;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The backbone end to end with real parts: probes measure a local HTTP server and the UDP echo,
 * publish to a real Kafka broker, the job runs on a MiniCluster at parallelism 2, and its
 * aggregates land in a real PostgreSQL. Expected rows are computed from exactly what the probes
 * published.
 */
class PipelineIT {

  private static final Duration WINDOW = Duration.ofSeconds(4);
  private static final int WINDOWS_TO_MEASURE = 3;

  @RegisterExtension static final MiniClusterExtension FLINK = RunningPipeline.miniCluster();

  private static RunningPipeline stack;
  private static EmbeddedKafka kafka;
  private static EmbeddedDatabase db;
  private static JobClient job;

  @BeforeAll
  static void startBrokerDatabaseAndJob() throws Exception {
    stack = RunningPipeline.start();
    kafka = stack.kafka;
    db = stack.db;

    job =
        stack.startJob(
            "--window", WINDOW.toMillis() + "ms",
            "--out-of-orderness", "2s",
            "--idleness", "2s",
            "--checkpoint-interval", "2s",
            "--jdbc-batch-interval", "200ms");
  }

  @AfterAll
  static void stopEverything() throws Exception {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void probeMeasurementsBecomeExactWindowAggregatesAndBadRecordsGoToTheDlq() throws Exception {
    ConcurrentLinkedQueue<Measurement> published = new ConcurrentLinkedQueue<>();
    RecordMetadata malformed;
    try (Responder responder = Responder.onLoopback().start();
        DelayHttpServer http = DelayHttpServer.http("127.0.0.1", 0).start();
        KafkaMeasurementSink kafkaSink =
            new KafkaMeasurementSink(
                new KafkaSettings(kafka.bootstrapServers(), Topics.MEASUREMENTS), "pipeline-it")) {
      http.setDelayMs(30);
      MeasurementSink tee =
          m -> {
            published.add(m);
            kafkaSink.accept(m);
          };
      long start = System.currentTimeMillis();
      try (Probe probe = Probe.create(probeConfig(http, responder), tee).start()) {
        // A malformed record in the middle of the stream: the job must carry on.
        malformed = produceRaw("not json at all {".getBytes(StandardCharsets.UTF_8));
        long until = start + WINDOW.toMillis() * (WINDOWS_TO_MEASURE + 1);
        awaitUntil(
            Duration.ofSeconds(60), () -> published.stream().anyMatch(m -> m.tsMs() > until));
      }
      kafkaSink.flush();
    }

    // Push event time past the last window with one record from another series; idle
    // partitions stop holding the watermark back after the idleness timeout.
    long maxTs = published.stream().mapToLong(Measurement::tsMs).max().orElseThrow();
    produce(clockMeasurement(maxTs + 3 * WINDOW.toMillis()));

    Map<String, long[]> expected = expectedPerSeriesWindow(published);
    assertThat(expected).hasSizeGreaterThanOrEqualTo(3 * WINDOWS_TO_MEASURE);

    awaitUntil(Duration.ofSeconds(90), () -> rowsInPostgres().equals(expected));
    assertThat(rowsInPostgres()).isEqualTo(expected);

    assertPlausibleValues();
    assertDeadLetterFor(malformed);
    assertThat(job.getJobStatus().get(10, TimeUnit.SECONDS)).isEqualTo(JobStatus.RUNNING);
  }

  private static ProbeConfig probeConfig(DelayHttpServer http, Responder responder) {
    return ProbeConfig.fromYaml(
            """
            probe_id: probe-it
            defaults:
              interval_s: 1
              timeout_ms: 3000
            targets:
              - name: web
                host: 127.0.0.1
                port: %d
                tests:
                  - type: http
                    url: %s
              - name: echo
                host: 127.0.0.1
                port: %d
                tests:
                  - type: udp
                    packets: 10
            """
                .formatted(http.port(), http.url(), responder.udpPort()))
        .build();
  }

  /** (probe|target|test|window start) → {count, ok, packets sent, packets received}. */
  private static Map<String, long[]> expectedPerSeriesWindow(Iterable<Measurement> published) {
    Map<String, long[]> expected = new ComparableMap(Map.of());
    for (Measurement m : published) {
      long windowStart = m.tsMs() - Math.floorMod(m.tsMs(), WINDOW.toMillis());
      long[] v =
          expected.computeIfAbsent(
              m.probeId() + "|" + m.target() + "|" + m.test() + "|" + windowStart,
              k -> new long[4]);
      v[0]++;
      v[1] += m.ok() ? 1 : 0;
      v[2] += m.sent() == null ? 0 : m.sent();
      v[3] += m.received() == null ? 0 : m.received();
    }
    return expected;
  }

  private static Map<String, long[]> rowsInPostgres() {
    Map<String, long[]> rows = new HashMap<>();
    try (Connection c = db.dataSource().getConnection();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT probe_id, target, test, (extract(epoch FROM window_start) * 1000)::bigint,"
                    + " count, ok_count, packets_sent, packets_received FROM agg_1m WHERE"
                    + " probe_id = 'probe-it'")) {
      while (rs.next()) {
        rows.put(
            rs.getString(1) + "|" + rs.getString(2) + "|" + rs.getString(3) + "|" + rs.getLong(4),
            new long[] {rs.getLong(5), rs.getLong(6), rs.getLong(7), rs.getLong(8)});
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return new ComparableMap(rows);
  }

  private static void assertPlausibleValues() throws SQLException {
    try (Connection c = db.dataSource().getConnection();
        Statement st = c.createStatement()) {
      try (ResultSet rs =
          st.executeQuery(
              "SELECT min(p50), max(p99), min(min) FROM agg_1m_metric WHERE probe_id = 'probe-it'"
                  + " AND test = 'http' AND metric = 'total_ms'")) {
        rs.next();
        // the server adds 30 ms to every request; loopback adds little else
        assertThat(rs.getDouble(1)).isBetween(30.0 * 0.99, 1000.0);
        assertThat(rs.getDouble(3)).isGreaterThanOrEqualTo(30.0);
        assertThat(rs.getDouble(2)).isLessThan(3000.0);
      }
      try (ResultSet rs =
          st.executeQuery(
              "SELECT count(DISTINCT metric) FROM agg_1m_metric WHERE probe_id = 'probe-it' AND"
                  + " test = 'http' AND metric IN ('dns_ms', 'connect_ms', 'ttfb_ms',"
                  + " 'total_ms', 'status')")) {
        rs.next();
        assertThat(rs.getInt(1)).isEqualTo(5);
      }
      try (ResultSet rs =
          st.executeQuery(
              "SELECT min(a.loss_pct), max(a.loss_pct), min(a.jitter_ms), max(m.p50), min(m.p50)"
                  + " FROM agg_1m a JOIN agg_1m_metric m USING (probe_id, target, test,"
                  + " window_start) WHERE a.probe_id = 'probe-it' AND a.test = 'udp' AND m.metric"
                  + " = 'rtt_ms'")) {
        rs.next();
        assertThat(rs.getDouble(1)).isZero();
        assertThat(rs.getDouble(2)).isZero();
        assertThat(rs.getDouble(3)).isGreaterThanOrEqualTo(0.0);
        assertThat(rs.getDouble(4)).isLessThan(100.0);
        assertThat(rs.getDouble(5)).isGreaterThan(0.0);
      }
    }
  }

  private static void assertDeadLetterFor(RecordMetadata malformed) throws Exception {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "pipeline-it-dlq-" + UUID.randomUUID());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    List<DeadLetter> letters = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(Topics.DLQ));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (letters.isEmpty() && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          letters.add(MessageSerde.DEAD_LETTER.fromBytes(r.value()));
        }
      }
    }
    assertThat(letters)
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.reason()).isEqualTo("malformed-json");
              assertThat(d.stage()).isEqualTo("deserialize");
              assertThat(d.sourceTopic()).isEqualTo(Topics.MEASUREMENTS);
              assertThat(d.partition()).isEqualTo(malformed.partition());
              assertThat(d.offset()).isEqualTo(malformed.offset());
              assertThat(
                      new String(
                          Base64.getDecoder().decode(d.valueBase64()), StandardCharsets.UTF_8))
                  .isEqualTo("not json at all {");
            });
  }

  private static Measurement clockMeasurement(long tsMs) {
    return new Measurement(
        1,
        UUID.randomUUID().toString(),
        "clock",
        "clock",
        "tcp",
        1,
        tsMs,
        true,
        null,
        null,
        null,
        null,
        Map.of("connect_ms", 1.0));
  }

  private static RecordMetadata produceRaw(byte[] value) throws Exception {
    try (KafkaProducer<byte[], byte[]> producer = producer()) {
      return producer
          .send(
              new ProducerRecord<>(
                  Topics.MEASUREMENTS, "bad|record".getBytes(StandardCharsets.UTF_8), value))
          .get(30, TimeUnit.SECONDS);
    }
  }

  private static void produce(Measurement m) throws Exception {
    try (KafkaProducer<byte[], byte[]> producer = producer()) {
      producer
          .send(
              new ProducerRecord<>(
                  Topics.MEASUREMENTS,
                  m.kafkaKey().getBytes(StandardCharsets.UTF_8),
                  MessageSerde.MEASUREMENT.toBytes(m)))
          .get(30, TimeUnit.SECONDS);
    }
  }

  private static KafkaProducer<byte[], byte[]> producer() {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
  }

  private static void awaitUntil(Duration timeout, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        return;
      }
      TimeUnit.MILLISECONDS.sleep(250);
    }
  }

  /** A map whose long[] values compare by content, so expected and actual rows compare. */
  private static final class ComparableMap extends HashMap<String, long[]> {
    ComparableMap(Map<String, long[]> m) {
      super(m);
    }

    @Override
    public boolean equals(Object o) {
      if (!(o instanceof Map<?, ?> other) || other.size() != size()) {
        return false;
      }
      for (var e : entrySet()) {
        Object v = other.get(e.getKey());
        if (!(v instanceof long[] arr) || !java.util.Arrays.equals(arr, e.getValue())) {
          return false;
        }
      }
      return true;
    }

    @Override
    public int hashCode() {
      return keySet().hashCode();
    }

    @Override
    public String toString() {
      StringBuilder sb = new StringBuilder("{");
      new java.util.TreeMap<>(this)
          .forEach(
              (k, v) ->
                  sb.append("\n  ").append(k).append('=').append(java.util.Arrays.toString(v)));
      return sb.append("\n}").toString();
    }
  }
}
