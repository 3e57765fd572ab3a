package net.qoe.stack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
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
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import net.qoe.kafka.TopicCreator;
import net.qoe.kafka.Topics;
import net.qoe.kafka.embedded.EmbeddedKafka;
import net.qoe.kafka.message.Measurement;
import net.qoe.kafka.serde.MessageSerde;
import net.qoe.sql.EmbeddedDatabase;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shaded job jar on a real Flink session cluster, started as separate processes from Flink's
 * own jars (a JobManager and a TaskManager), submitted the way the dashboard does it: upload the
 * jar over REST, then run it with program arguments. The job must reach RUNNING and write rows.
 */
class JobJarSubmissionIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private static Path tmp;
  private static EmbeddedKafka kafka;
  private static EmbeddedDatabase db;
  private static final List<Process> cluster = new ArrayList<>();
  private static String rest;
  private static boolean failed;

  @BeforeAll
  static void startKafkaPostgresAndASessionCluster() throws Exception {
    tmp = Files.createTempDirectory("jar-submission-it");
    kafka = EmbeddedKafka.start(tmp.resolve("kafka"), 0);
    TopicCreator.ensureAll(kafka.bootstrapServers());
    db = EmbeddedDatabase.start();

    int restPort = freePort();
    int rpcPort = freePort();
    Path conf = Files.createDirectories(tmp.resolve("conf"));
    Files.writeString(
        conf.resolve("config.yaml"),
        String.join(
            "\n",
            "jobmanager.rpc.address: 127.0.0.1",
            "jobmanager.rpc.port: " + rpcPort,
            "jobmanager.bind-host: 127.0.0.1",
            "taskmanager.bind-host: 127.0.0.1",
            "taskmanager.host: 127.0.0.1",
            "rest.address: 127.0.0.1",
            "rest.bind-address: 127.0.0.1",
            "rest.port: " + restPort,
            "jobmanager.memory.process.size: 1024m",
            // what bin/taskmanager.sh would compute and pass in
            "taskmanager.cpu.cores: 2.0",
            "taskmanager.memory.framework.heap.size: 128m",
            "taskmanager.memory.task.heap.size: 384m",
            "taskmanager.memory.managed.size: 128m",
            "taskmanager.memory.network.min: 64m",
            "taskmanager.memory.network.max: 64m",
            "taskmanager.memory.framework.off-heap.size: 128m",
            "taskmanager.memory.task.off-heap.size: 0m",
            "taskmanager.memory.jvm-metaspace.size: 256m",
            "taskmanager.memory.jvm-overhead.min: 192m",
            "taskmanager.memory.jvm-overhead.max: 192m",
            "taskmanager.numberOfTaskSlots: 2",
            "parallelism.default: 1",
            "web.upload.dir: " + tmp.resolve("uploads"),
            "io.tmp.dirs: " + tmp.resolve("io"),
            ""));
    Files.createDirectories(tmp.resolve("uploads"));
    Files.createDirectories(tmp.resolve("io"));
    cluster.add(
        start(
            "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
            conf,
            "jobmanager"));
    cluster.add(
        start("org.apache.flink.runtime.taskexecutor.TaskManagerRunner", conf, "taskmanager"));
    rest = "http://127.0.0.1:" + restPort;
    await(
        Duration.ofSeconds(90),
        () -> {
          JsonNode overview = getJson("/overview");
          return overview != null && overview.path("slots-total").asInt() >= 2;
        },
        "the session cluster to offer 2 slots");
  }

  @AfterAll
  static void stopEverything() throws Exception {
    for (Process p : cluster) {
      p.destroy();
    }
    for (Process p : cluster) {
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
    if (db != null) {
      db.close();
    }
    if (kafka != null) {
      kafka.close();
    }
    if (!failed) {
      ScratchDirs.delete(tmp);
    }
  }

  @Test
  void uploadedJobJarRunsWithItsParametersAndWritesAggregates() throws Exception {
    Path jar = Path.of(System.getProperty("qoe.job.jar"));
    assertThat(jar).exists();

    String jarId = upload(jar);
    List<String> args =
        List.of(
            "--bootstrap-servers", kafka.bootstrapServers(),
            "--jdbc-url", db.jdbcUrl(),
            "--jdbc-user", db.user(),
            "--window", "2s",
            "--out-of-orderness", "0s",
            "--idleness", "1s",
            "--starting-offsets", "earliest",
            "--checkpoint-interval", "2s");
    HttpResponse<String> run =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(rest + "/jars/" + jarId + "/run"))
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        JSON.writeValueAsString(Map.of("programArgsList", args, "parallelism", 2))))
                .timeout(Duration.ofSeconds(60))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(run.statusCode()).as(run.body()).isEqualTo(200);
    String jobId = JSON.readTree(run.body()).get("jobid").asText();

    await(
        Duration.ofSeconds(60),
        () -> "RUNNING".equals(getJson("/jobs/" + jobId).path("state").asText()),
        "the job to be RUNNING");
    JsonNode job = getJson("/jobs/" + jobId);
    assertThat(job.path("name").asText()).isEqualTo("qoe-pipeline");

    long base = System.currentTimeMillis() - 60_000;
    base -= base % 2000;
    try (KafkaProducer<byte[], byte[]> producer = producer()) {
      for (int i = 0; i < 10; i++) {
        Measurement m =
            new Measurement(
                1,
                UUID.randomUUID().toString(),
                "jar-probe",
                "web",
                "http",
                1,
                base + i * 300L,
                true,
                null,
                null,
                null,
                null,
                Map.of("total_ms", 10.0 + i));
        producer.send(
            new ProducerRecord<>(
                Topics.MEASUREMENTS,
                m.kafkaKey().getBytes(StandardCharsets.UTF_8),
                MessageSerde.MEASUREMENT.toBytes(m)));
      }
      // one later record closes the earlier windows
      Measurement clock =
          new Measurement(
              1,
              UUID.randomUUID().toString(),
              "jar-probe",
              "web",
              "http",
              1,
              base + 10_000,
              true,
              null,
              null,
              null,
              null,
              Map.of("total_ms", 1.0));
      producer.send(
          new ProducerRecord<>(
              Topics.MEASUREMENTS,
              clock.kafkaKey().getBytes(StandardCharsets.UTF_8),
              MessageSerde.MEASUREMENT.toBytes(clock)));
      producer.flush();
    }

    // 10 measurements, 300 ms apart from an even 2 s boundary: windows of 7 and 3
    await(
        Duration.ofSeconds(120),
        () -> "7,3".equals(windowCounts()),
        "rows for the two windows in Postgres");
    assertThat(windowCounts()).isEqualTo("7,3");
    assertThat(getJson("/jobs/" + jobId).path("state").asText()).isEqualTo("RUNNING");
  }

  private static String windowCounts() {
    try (Connection c = db.dataSource().getConnection();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT count FROM agg_1m WHERE probe_id = 'jar-probe' AND count > 1 ORDER BY"
                    + " window_start")) {
      List<String> counts = new ArrayList<>();
      while (rs.next()) {
        counts.add(Long.toString(rs.getLong(1)));
      }
      return String.join(",", counts);
    } catch (Exception e) {
      return "";
    }
  }

  private static String upload(Path jar) throws Exception {
    String boundary = "qoe" + UUID.randomUUID();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.write(
        ("--"
                + boundary
                + "\r\n"
                + "Content-Disposition: form-data; name=\"jarfile\"; filename=\""
                + jar.getFileName()
                + "\"\r\n"
                + "Content-Type: application/x-java-archive\r\n\r\n")
            .getBytes(StandardCharsets.UTF_8));
    body.write(Files.readAllBytes(jar));
    body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(rest + "/jars/upload"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
                .timeout(Duration.ofSeconds(60))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode uploaded = JSON.readTree(r.body());
    assertThat(uploaded.path("status").asText()).isEqualTo("success");
    String file = uploaded.path("filename").asText();
    return file.substring(file.lastIndexOf('/') + 1);
  }

  private static JsonNode getJson(String path) {
    try {
      HttpResponse<String> r =
          HTTP.send(
              HttpRequest.newBuilder(URI.create(rest + path))
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /**
   * A Flink process on Flink's own jars only: the test classpath without this project's classes and
   * without the connectors and drivers that the job jar must bring itself.
   */
  private static Process start(String mainClass, Path conf, String name) throws IOException {
    String flinkOnly =
        Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
            .filter(p -> !p.contains("/qoe-") && !p.contains("/target/"))
            .filter(p -> !p.contains("/org/apache/kafka/") && !p.contains("flink-connector-kafka"))
            .filter(p -> !p.contains("flink-connector-jdbc") && !p.contains("/org/postgresql/"))
            .filter(p -> !p.contains("/com/datadoghq/") && !p.contains("/io/zonky/"))
            .filter(p -> !p.contains("/org/flywaydb/") && !p.contains("flink-test-utils"))
            .reduce((a, b) -> a + File.pathSeparator + b)
            .orElseThrow();
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(Arrays.asList(System.getProperty("qoe.flink.jvm.opens", "").split(" ")));
    cmd.addAll(List.of("-Xmx768m", "-Dlog4j2.configurationFile=" + logConfig()));
    cmd.addAll(List.of("-cp", flinkOnly, mainClass, "--configDir", conf.toString()));
    cmd.removeIf(String::isBlank);
    return new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(tmp.resolve(name + ".log").toFile())
        .start();
  }

  private static Path logConfig() throws IOException {
    Path file = tmp.resolve("log4j2.properties");
    if (!Files.exists(file)) {
      Files.writeString(
          file,
          String.join(
              "\n",
              "rootLogger.level = WARN",
              "rootLogger.appenderRef.c.ref = c",
              "appender.c.type = Console",
              "appender.c.name = c",
              "appender.c.layout.type = PatternLayout",
              "appender.c.layout.pattern = %d{HH:mm:ss} %-5p %c{1} - %m%n",
              ""));
    }
    return file;
  }

  private static KafkaProducer<byte[], byte[]> producer() {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
  }

  private static void await(Duration timeout, Supplier<Boolean> condition, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!Boolean.TRUE.equals(condition.get())) {
      if (System.nanoTime() > deadline) {
        failed = true;
        throw new AssertionError(
            "timed out after "
                + timeout.toSeconds()
                + " s waiting for "
                + what
                + "; cluster logs in "
                + tmp);
      }
      TimeUnit.MILLISECONDS.sleep(250);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
