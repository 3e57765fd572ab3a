package net.qoe.stack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import net.qoe.job.QoeJob;
import net.qoe.job.config.JobConfig;
import net.qoe.kafka.TopicCreator;
import net.qoe.kafka.TopicSpec;
import net.qoe.kafka.embedded.EmbeddedKafka;
import net.qoe.kafka.message.Measurement;
import net.qoe.kafka.message.MeasurementError;
import net.qoe.kafka.serde.MessageSerde;
import net.qoe.sql.EmbeddedDatabase;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.runtime.checkpoint.CheckpointStatsCounts;
import org.apache.flink.runtime.executiongraph.AccessExecutionGraph;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The job under faults, with real parts: an embedded broker, a real PostgreSQL and a Flink
 * MiniCluster with short checkpoints. A known set of synthetic measurements (deterministic event
 * ids, six series, many windows, some probe retries sent twice) streams in while the fault happens;
 * afterwards every row of every resolution must equal what the input says: nothing lost, nothing
 * counted twice.
 *
 * <ul>
 *   <li>the task manager dies twice mid-stream (on RocksDB): the job restores from its checkpoints;
 *   <li>PostgreSQL is away for 30 s mid-stream (on the heap backend): the sink fails, the job backs
 *       off and restarts until the database is back, Kafka holds what arrives meanwhile.
 * </ul>
 */
class JobFaultsIT {

  private static final Duration WINDOW = Duration.ofSeconds(10);
  private static final long STEP_MS = 100; // event time between consecutive measurements
  private static final int SERIES = 6;
  private static final int PARTITIONS = 2;
  private static final Duration ROWS_DEADLINE = Duration.ofSeconds(120);

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private static Path tmp;
  private static EmbeddedKafka kafka;
  private static EmbeddedDatabase db;
  private static MiniCluster flink;
  private static URI rest;

  /** Task managers started so far; the next one terminated is the newest. */
  private static int taskManagers;

  @BeforeAll
  static void startBrokerDatabaseAndCluster() throws Exception {
    tmp = Files.createTempDirectory("job-faults-it");
    kafka = EmbeddedKafka.start(tmp.resolve("kafka"), 0);
    TopicCreator.ensureAll(kafka.bootstrapServers());
    db = EmbeddedDatabase.start(tmp.resolve("pg"), false, 0);

    Configuration conf = new Configuration();
    conf.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
    conf.set(RestOptions.ADDRESS, "127.0.0.1");
    conf.set(RestOptions.PORT, 0);
    conf.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.ofMebiBytes(128));
    flink =
        new MiniCluster(
            new MiniClusterConfiguration.Builder()
                .setConfiguration(conf)
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(2)
                .build());
    flink.start();
    taskManagers = 1;
    rest = flink.getRestAddress().get(30, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stopEverything() throws Exception {
    if (flink != null) {
      flink.closeAsync().get(60, TimeUnit.SECONDS);
    }
    if (db != null) {
      db.close();
    }
    if (kafka != null) {
      kafka.close();
    }
    ScratchDirs.delete(tmp);
  }

  @Test
  void taskManagerKilledTwiceOnRocksDbRestoresFromCheckpointsWithoutLossOrDoubleCounting()
      throws Exception {
    Synthetic input = new Synthetic("fa", 3000);
    String topic = createTopic("faults.a");
    Path checkpoints = tmp.resolve("checkpoints-a");
    JobID job = submit(topic, "faults-a", "rocksdb", checkpoints, null);
    awaitStatus(job, JobStatus.RUNNING, Duration.ofSeconds(60));
    assertThat(graph(job).getStateBackendName()).hasValue("EmbeddedRocksDBStateBackend");
    assertThat(graph(job).getCheckpointStorageName()).hasValue("FileSystemCheckpointStorage");

    try (Producing producing = Producing.start(topic, input, 150)) {
      for (int failure = 1; failure <= 2; failure++) {
        int threshold = failure * input.size / 3;
        long completedBefore = counts(job).getNumberOfCompletedCheckpoints();
        // Kill only once the job has written rows and taken a checkpoint since it (re)started,
        // so the restore has something to restore and the replay something to overwrite.
        await(
            "checkpoint and rows before failure " + failure,
            Duration.ofSeconds(90),
            () ->
                producing.sent() >= threshold
                    && counts(job).getNumberOfCompletedCheckpoints() > completedBefore
                    && seriesRowCount(input.prefix) > 0);
        flink.terminateTaskManager(taskManagers - 1).get(30, TimeUnit.SECONDS);
        flink.startTaskManager();
        taskManagers++;
        int restoredWanted = failure;
        await(
            "restore from a checkpoint after failure " + failure,
            Duration.ofSeconds(90),
            () -> counts(job).getNumberOfRestoredCheckpoints() >= restoredWanted);
      }
      producing.awaitDone(Duration.ofSeconds(120));
    }
    input.produceClock(topic);

    assertRowsMatch(input, job);
    assertRunIpdvPlausible(input);
    report("task manager killed twice", job);
    assertThat(counts(job).getNumberOfRestoredCheckpoints()).isGreaterThanOrEqualTo(2);
    assertThat(restartsInExceptionHistory(job)).isGreaterThanOrEqualTo(2);
    assertThat(graph(job).getCheckpointStatsSnapshot().getLatestRestoredCheckpoint()).isNotNull();
    try (var files = Files.walk(checkpoints)) {
      assertThat(files.filter(f -> f.getFileName().toString().startsWith("chk-"))).isNotEmpty();
    }
    flink.cancelJob(job).get(30, TimeUnit.SECONDS);
  }

  @Test
  void postgresAwayForThirtySecondsMidStreamLosesNothing() throws Exception {
    Synthetic input = new Synthetic("fb", 2400);
    String topic = createTopic("faults.b");
    // Production backs off 1 s → 30 s between restarts and retries forever, which survives any
    // outage but may add up to 30 s before it notices the database is back; 3 s keeps this short.
    JobID job = submit(topic, "faults-b", "hashmap", null, Duration.ofSeconds(3));
    awaitStatus(job, JobStatus.RUNNING, Duration.ofSeconds(60));
    assertThat(graph(job).getStateBackendName()).hasValue("HashMapStateBackend");

    int failuresBefore = restartsInExceptionHistory(job);
    try (Producing producing = Producing.start(topic, input, 60)) {
      long completedAtStart = counts(job).getNumberOfCompletedCheckpoints();
      await(
          "rows and a checkpoint before the outage",
          Duration.ofSeconds(60),
          () ->
              seriesRowCount(input.prefix) > 0
                  && counts(job).getNumberOfCompletedCheckpoints() > completedAtStart);
      int sentBefore = producing.sent();
      db.stop();
      long outageEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      try {
        // The outage itself: measurements keep arriving; the job must notice and fail over.
        await(
            "the job failing over while the database is away",
            Duration.ofSeconds(30),
            () -> restartsInExceptionHistory(job) > failuresBefore);
        await(
            "the end of the 30 s outage",
            Duration.ofSeconds(31),
            () -> System.nanoTime() >= outageEnd);
        assertThat(producing.sent() - sentBefore)
            .as("measurements produced while the database was away")
            .isGreaterThan(1000);
      } finally {
        db.restart();
      }
      producing.awaitDone(Duration.ofSeconds(120));
    }
    input.produceClock(topic);

    assertRowsMatch(input, job);
    assertRunIpdvPlausible(input);
    report("postgres away 30 s", job);
    assertThat(counts(job).getNumberOfRestoredCheckpoints()).isGreaterThanOrEqualTo(1);
    assertThat(flink.getJobStatus(job).get(10, TimeUnit.SECONDS)).isEqualTo(JobStatus.RUNNING);
    flink.cancelJob(job).get(30, TimeUnit.SECONDS);
  }

  // ---------------------------------------------------------------------------------------------

  private static JobID submit(
      String topic,
      String groupId,
      String stateBackend,
      Path checkpointDir,
      Duration maxRestartBackoff)
      throws Exception {
    JobConfig config =
        JobConfig.fromArgs(
            new String[] {
              "--checkpoint-dir",
              checkpointDir == null ? "" : checkpointDir.toUri().toString(),
              "--bootstrap-servers",
              kafka.bootstrapServers(),
              "--jdbc-url",
              db.jdbcUrl(),
              "--jdbc-user",
              db.user(),
              "--measurements-topic",
              topic,
              "--group-id",
              groupId,
              "--window",
              WINDOW.toMillis() + "ms",
              "--out-of-orderness",
              "2s",
              // watermarks advance only with data on every partition: no idle partition may let
              // the other one's event time close windows it still has records for
              "--idleness",
              "10m",
              "--checkpoint-interval",
              "1s",
              "--jdbc-batch-interval",
              "200ms",
              "--starting-offsets",
              "earliest",
              "--state-backend",
              stateBackend
            },
            Map.of());
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(2);
    QoeJob.configure(env, config);
    if (maxRestartBackoff != null) {
      Configuration restart = new Configuration();
      restart.set(
          RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF, maxRestartBackoff);
      env.configure(restart);
    }
    QoeJob.withKafkaAndPostgres(config).build(env);
    StreamGraph graph = env.getStreamGraph();
    graph.setJobName(QoeJob.JOB_NAME + "-" + groupId);
    return flink.submitJob(graph).get(60, TimeUnit.SECONDS).getJobID();
  }

  private static String createTopic(String name) {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    try (Admin admin = Admin.create(p)) {
      new TopicCreator(admin, (short) 1)
          .ensure(
              List.of(new TopicSpec(name, PARTITIONS, Duration.ofDays(1).toMillis(), Map.of())));
    }
    return name;
  }

  private static AccessExecutionGraph graph(JobID job) throws Exception {
    return flink.getExecutionGraph(job).get(10, TimeUnit.SECONDS);
  }

  private static CheckpointStatsCounts counts(JobID job) {
    try {
      return graph(job).getCheckpointStatsSnapshot().getCounts();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Failures the job went through, as the dashboard's exception history lists them. */
  private static int restartsInExceptionHistory(JobID job) {
    try {
      HttpResponse<String> r =
          HTTP.send(
              HttpRequest.newBuilder(rest.resolve("/jobs/" + job + "/exceptions?maxExceptions=50"))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      JsonNode entries =
          MessageSerde.MAPPER.readTree(r.body()).path("exceptionHistory").path("entries");
      return entries.size();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void report(String scenario, JobID job) {
    CheckpointStatsCounts c = counts(job);
    System.out.printf(
        Locale.ROOT,
        "[faults] %s: %d failures in the exception history, %d restores from a checkpoint, %d"
            + " checkpoints completed, every row equal to the input%n",
        scenario,
        restartsInExceptionHistory(job),
        c.getNumberOfRestoredCheckpoints(),
        c.getNumberOfCompletedCheckpoints());
  }

  private static void awaitStatus(JobID job, JobStatus wanted, Duration timeout) throws Exception {
    await(
        "job " + wanted,
        timeout,
        () -> {
          try {
            return flink.getJobStatus(job).get(10, TimeUnit.SECONDS) == wanted;
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
  }

  private static void await(String what, Duration timeout, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeout + " waiting for " + what);
      }
      TimeUnit.MILLISECONDS.sleep(100);
    }
  }

  // --- what the rows must be -------------------------------------------------------------------

  private static void assertRowsMatch(Synthetic input, JobID job) throws InterruptedException {
    Map<String, String> expected = input.expectedRows();
    long deadline = System.nanoTime() + ROWS_DEADLINE.toNanos();
    Map<String, String> actual = actualRows(input.prefix);
    while (!actual.equals(expected) && System.nanoTime() < deadline) {
      TimeUnit.MILLISECONDS.sleep(500);
      actual = actualRows(input.prefix);
    }
    assertThat(actual)
        .as("rows of job %s against the input (%d rows expected)", job, expected.size())
        .containsExactlyEntriesOf(expected);
  }

  /**
   * |D| between consecutive runs depends on the order runs reach the window (two shuffles can swap
   * neighbours), so only its bounds are checked: at most one pair fewer than runs with a reply in
   * every window, and most of the pairs overall.
   */
  private static void assertRunIpdvPlausible(Synthetic input) {
    Map<String, Integer> runs = input.udpRunsWithRtt();
    Map<String, Long> pairs = new TreeMap<>();
    try (Connection c = db.dataSource().getConnection();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT probe_id, target, test, (extract(epoch FROM window_start) * 1000)::bigint,"
                    + " count FROM agg_1m_metric WHERE metric = 'run_ipdv_ms' AND probe_id LIKE '"
                    + input.prefix
                    + "-%'")) {
      while (rs.next()) {
        pairs.put(
            key("1m", rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4)),
            rs.getLong(5));
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    assertThat(runs.keySet()).containsAll(pairs.keySet());
    pairs.forEach((k, n) -> assertThat(n).as(k).isPositive().isLessThanOrEqualTo(runs.get(k) - 1L));
    // a replay after a restart reaches the windows through two channels and loses pairs there;
    // in steady streaming nearly every run pairs with the one before it
    long possible = runs.values().stream().mapToLong(n -> n - 1L).sum();
    long formed = pairs.values().stream().mapToLong(Long::longValue).sum();
    assertThat(formed).as("run pairs formed of %d possible", possible).isGreaterThan(possible / 2);
  }

  private static int seriesRowCount(String prefix) {
    try (Connection c = db.dataSource().getConnection();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery("SELECT count(*) FROM agg_1m WHERE probe_id LIKE '" + prefix + "-%'")) {
      rs.next();
      return rs.getInt(1);
    } catch (SQLException e) {
      return 0; // the database may be away on purpose
    }
  }

  /** Every row of every resolution for one test's probes, rendered like {@link #expectedRows}. */
  private static Map<String, String> actualRows(String prefix) {
    Map<String, String> rows = new TreeMap<>();
    try (Connection c = db.dataSource().getConnection();
        Statement st = c.createStatement()) {
      for (String res : List.of("1m", "5m", "1h")) {
        try (ResultSet rs =
            st.executeQuery(
                "SELECT probe_id, target, test, (extract(epoch FROM window_start) * 1000)::bigint,"
                    + " count, ok_count, errors_by_stage::text, packets_sent, packets_received,"
                    + " jitter_samples FROM agg_"
                    + res
                    + " WHERE probe_id LIKE '"
                    + prefix
                    + "-%'")) {
          while (rs.next()) {
            rows.put(
                key(res, rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4)),
                seriesValue(
                    rs.getLong(5),
                    rs.getLong(6),
                    errorsOf(rs.getString(7)),
                    rs.getLong(8),
                    rs.getLong(9),
                    rs.getLong(10)));
          }
        }
        try (ResultSet rs =
            st.executeQuery(
                "SELECT probe_id, target, test, (extract(epoch FROM window_start) * 1000)::bigint,"
                    + " metric, count, min, max FROM agg_"
                    + res
                    + "_metric WHERE probe_id LIKE '"
                    + prefix
                    + "-%' AND metric <> 'run_ipdv_ms'")) {
          while (rs.next()) {
            rows.put(
                key(res, rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4))
                    + "|"
                    + rs.getString(5),
                metricValue(rs.getLong(6), rs.getDouble(7), rs.getDouble(8)));
          }
        }
      }
    } catch (SQLException e) {
      return Map.of("database", e.getMessage());
    }
    return rows;
  }

  private static Map<String, Long> errorsOf(String json) {
    try {
      Map<String, Long> errors = new TreeMap<>();
      MessageSerde.MAPPER
          .readTree(json)
          .fields()
          .forEachRemaining(e -> errors.put(e.getKey(), e.getValue().asLong()));
      return errors;
    } catch (Exception e) {
      throw new IllegalStateException(json, e);
    }
  }

  private static String key(String res, String probe, String target, String test, long start) {
    return res + "|" + probe + "|" + target + "|" + test + "|" + start;
  }

  private static String seriesValue(
      long count, long ok, Map<String, Long> errors, long sent, long received, long ipdvSamples) {
    return String.format(
        Locale.ROOT,
        "count=%d ok=%d errors=%s sent=%d received=%d jitter_samples=%d",
        count,
        ok,
        errors,
        sent,
        received,
        ipdvSamples);
  }

  private static String metricValue(long count, double min, double max) {
    return String.format(Locale.ROOT, "count=%d min=%.3f max=%.3f", count, min, max);
  }

  /**
   * The input of one test: measurement k belongs to series k % 6 (three probes, two targets, http
   * and udp), happens at base + k × 100 ms, and is derived from k alone, so the expected rows can
   * be computed from the same k's. Event time spans 2 five-minute windows inside one hour.
   */
  static final class Synthetic {
    final String prefix;
    final int size;
    final long baseMs;

    Synthetic(String prefix, int size) {
      this.prefix = prefix;
      this.size = size;
      long hour = Duration.ofHours(1).toMillis();
      long hourStart = (System.currentTimeMillis() - 3 * hour) / hour * hour;
      this.baseMs = hourStart + Duration.ofSeconds(150).toMillis();
    }

    static int seriesOf(int k) {
      return k % SERIES;
    }

    Measurement at(int k) {
      int s = seriesOf(k);
      String probe = prefix + "-p" + (s % 3);
      String target = "t" + (s / 3);
      long ts = baseMs + k * STEP_MS;
      String id =
          UUID.nameUUIDFromBytes((prefix + "/" + k).getBytes(StandardCharsets.UTF_8)).toString();
      Random r = new Random(k * 7919L + prefix.hashCode());
      if (s % 2 == 0) {
        boolean ok = r.nextInt(8) != 0;
        Map<String, Double> metrics = new TreeMap<>();
        metrics.put("dns_ms", round(0.2 + r.nextDouble()));
        if (ok) {
          metrics.put("connect_ms", round(0.5 + 2 * r.nextDouble()));
          metrics.put("total_ms", round(10 + 40 * r.nextDouble()));
        }
        return new Measurement(
            1,
            id,
            probe,
            target,
            "http",
            1,
            ts,
            ok,
            ok ? null : new MeasurementError("connect", "refused"),
            null,
            null,
            null,
            metrics);
      }
      List<Double> rtts = new ArrayList<>();
      int received = 0;
      for (int i = 0; i < 5; i++) {
        if (r.nextInt(10) == 0) {
          rtts.add(null);
        } else {
          rtts.add(round(1 + 9 * r.nextDouble()));
          received++;
        }
      }
      return new Measurement(
          1,
          id,
          probe,
          target,
          "udp",
          1,
          ts,
          received > 0,
          received > 0 ? null : new MeasurementError("timeout", "no reply"),
          rtts,
          5,
          received,
          Map.of());
    }

    private static double round(double v) {
      return Math.round(v * 1000) / 1000.0;
    }

    /** Rows of agg_1m (10 s windows here), agg_5m and agg_1h and their metric tables. */
    Map<String, String> expectedRows() {
      Map<String, SeriesRow> series = new TreeMap<>();
      Map<String, double[]> metrics = new TreeMap<>();
      Map<String, List<Double>> rttsByKey = new TreeMap<>();
      for (int k = 0; k < size; k++) {
        Measurement m = at(k);
        for (String res : List.of("1m", "5m", "1h")) {
          long len =
              switch (res) {
                case "1m" -> WINDOW.toMillis();
                case "5m" -> Duration.ofMinutes(5).toMillis();
                default -> Duration.ofHours(1).toMillis();
              };
          String key = key(res, m.probeId(), m.target(), m.test(), m.tsMs() / len * len);
          SeriesRow row = series.computeIfAbsent(key, x -> new SeriesRow());
          row.count++;
          if (m.ok()) {
            row.ok++;
          } else {
            row.errors.merge(m.error().stage(), 1L, Long::sum);
          }
          if (m.sent() != null) {
            row.sent += m.sent();
            row.received += m.received();
          }
          m.metrics().forEach((name, value) -> observe(metrics, key + "|" + name, value));
          if (m.rttMs() != null) {
            Double previous = null;
            for (Double rtt : m.rttMs()) {
              if (rtt == null) {
                continue; // a lost packet: the next one pairs with the last received
              }
              observe(metrics, key + "|rtt_ms", rtt);
              rttsByKey.computeIfAbsent(key, x -> new ArrayList<>()).add(rtt);
              if (previous != null) {
                observe(metrics, key + "|ipdv_ms", Math.abs(rtt - previous));
                row.ipdvSamples++;
              }
              previous = rtt;
            }
          }
        }
      }
      Map<String, String> rows = new TreeMap<>();
      series.forEach(
          (k, v) ->
              rows.put(k, seriesValue(v.count, v.ok, v.errors, v.sent, v.received, v.ipdvSamples)));
      metrics.forEach((k, v) -> rows.put(k, metricValue((long) v[0], v[1], v[2])));
      // the population standard deviation of the window's RTTs: one row, every statistic σ
      rttsByKey.forEach(
          (k, rtts) -> {
            double mean = rtts.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
            double squares = rtts.stream().mapToDouble(v -> (v - mean) * (v - mean)).sum();
            double sigma = Math.sqrt(squares / rtts.size());
            rows.put(k + "|rtt_stddev_ms", metricValue(rtts.size(), sigma, sigma));
          });
      return rows;
    }

    /** Udp base windows (10 s here) with at least two runs that got a reply: how many runs. */
    Map<String, Integer> udpRunsWithRtt() {
      Map<String, Integer> runs = new TreeMap<>();
      for (int k = 0; k < size; k++) {
        Measurement m = at(k);
        if (m.rttMs() != null && m.received() > 0) {
          long len = WINDOW.toMillis();
          runs.merge(
              key("1m", m.probeId(), m.target(), m.test(), m.tsMs() / len * len), 1, Integer::sum);
        }
      }
      runs.values().removeIf(n -> n < 2);
      return runs;
    }

    private static final class SeriesRow {
      long count;
      long ok;
      long sent;
      long received;
      long ipdvSamples;
      final Map<String, Long> errors = new TreeMap<>();
    }

    private static void observe(Map<String, double[]> metrics, String key, double value) {
      double[] v =
          metrics.computeIfAbsent(
              key, x -> new double[] {0, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY});
      v[0]++;
      v[1] = Math.min(v[1], value);
      v[2] = Math.max(v[2], value);
    }

    /**
     * One measurement on every partition an hour and a minute past the input: every window of the
     * input, the hour included, closes.
     */
    void produceClock(String topic) throws Exception {
      try (KafkaProducer<byte[], byte[]> producer = producer()) {
        for (int p = 0; p < PARTITIONS; p++) {
          Measurement m =
              new Measurement(
                  1,
                  UUID.randomUUID().toString(),
                  "clock",
                  "clock-" + p,
                  "tcp",
                  1,
                  baseMs + Duration.ofMinutes(62).toMillis(),
                  true,
                  null,
                  null,
                  null,
                  null,
                  Map.of("connect_ms", 1.0));
          producer
              .send(
                  new ProducerRecord<>(
                      topic,
                      p,
                      m.kafkaKey().getBytes(StandardCharsets.UTF_8),
                      MessageSerde.MEASUREMENT.toBytes(m)))
              .get(30, TimeUnit.SECONDS);
        }
      }
    }
  }

  /**
   * Sends the input in order at a steady rate from its own thread, each series to a fixed partition
   * (series parity), and every 25th measurement a second time three records later, the way a probe
   * retries a send whose acknowledgement it missed.
   */
  static final class Producing implements AutoCloseable {
    private final Thread thread;
    private final AtomicInteger sent = new AtomicInteger();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean stop;

    private Producing(String topic, Synthetic input, int perSecond) {
      thread =
          new Thread(
              () -> {
                try (KafkaProducer<byte[], byte[]> producer = producer()) {
                  long start = System.nanoTime();
                  for (int k = 0; k < input.size && !stop; k++) {
                    long due = start + TimeUnit.SECONDS.toNanos(k) / perSecond;
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                      TimeUnit.NANOSECONDS.sleep(wait); // pacing, not synchronisation
                    }
                    send(producer, topic, input, k);
                    if (k >= 3 && (k - 3) % 25 == 0) {
                      send(producer, topic, input, k - 3);
                    }
                    sent.set(k + 1);
                  }
                  producer.flush();
                } catch (Throwable t) {
                  failure.set(t);
                }
              },
              "faults-producer");
    }

    static Producing start(String topic, Synthetic input, int perSecond) {
      Producing p = new Producing(topic, input, perSecond);
      p.thread.start();
      return p;
    }

    private static void send(
        KafkaProducer<byte[], byte[]> producer, String topic, Synthetic input, int k) {
      Measurement m = input.at(k);
      producer.send(
          new ProducerRecord<>(
              topic,
              Synthetic.seriesOf(k) % PARTITIONS,
              m.kafkaKey().getBytes(StandardCharsets.UTF_8),
              MessageSerde.MEASUREMENT.toBytes(m)));
    }

    int sent() {
      return sent.get();
    }

    void awaitDone(Duration timeout) throws InterruptedException {
      thread.join(timeout.toMillis());
      assertThat(thread.isAlive()).as("producer still running after " + timeout).isFalse();
      assertThat(failure.get()).as("producer failure").isNull();
    }

    @Override
    public void close() {
      stop = true;
      try {
        thread.join(30_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static KafkaProducer<byte[], byte[]> producer() {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
  }
}
