package net.qoe.stack.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import net.qoe.job.QoeJob;
import net.qoe.job.config.JobConfig;
import net.qoe.job.ingest.IngestResult;
import net.qoe.job.sink.Sinks;
import net.qoe.kafka.TopicCreator;
import net.qoe.kafka.TopicSpec;
import net.qoe.kafka.Topics;
import net.qoe.kafka.embedded.EmbeddedKafka;
import net.qoe.kafka.message.Measurement;
import net.qoe.kafka.serde.MessageSerde;
import net.qoe.sql.EmbeddedDatabase;
import net.qoe.stack.LocalFlinkCluster;
import net.qoe.stack.ScratchDirs;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The job's throughput and latency on this machine, with real parts: an embedded broker, a real
 * PostgreSQL and the job on a MiniCluster at parallelism 2.
 *
 * <ol>
 *   <li>fills a topic with N synthetic measurements over M series (half http with five phase
 *       timings, half udp with ten packets each, {@code --udp-packets});
 *   <li>reads and decodes the whole topic with a plain consumer: the practical upper limit;
 *   <li>runs the job from earliest to the end of the topic (bounded source) into Postgres and
 *       reports measurements/s, over the whole run and in steady state, between 10 % and 90 % of
 *       the topic ({@link TaskProgress}), for the job and the plain consumer alike;
 *   <li>runs the job live at a steady produce rate with 1-second windows and reports, per window,
 *       the time from producing its last measurement to its row being visible in Postgres
 *       (p50/p99);
 *   <li>reports the peak heap of this JVM (broker, database client, Flink and job together).
 * </ol>
 *
 * <p>Arguments: {@code --measurements N --series M --latency-seconds S --rate R}; {@code --job
 * core} runs the throughput phase on the core of the job only (see {@link #coreOnly}); {@code
 * --rounds K} runs the plain consumer and the job K times over the same topic and prints each
 * round's shares and their median.
 */
public final class JobBenchmark {

  private static final String BENCH_TOPIC = "bench.measurements";

  public static void main(String[] args) throws Exception {
    Map<String, String> a = BenchArgs.flags(args);
    int n = Integer.parseInt(a.getOrDefault("measurements", "1000000"));
    int series = Integer.parseInt(a.getOrDefault("series", "1000"));
    int latencySeconds = Integer.parseInt(a.getOrDefault("latency-seconds", "30"));
    int rate = Integer.parseInt(a.getOrDefault("rate", "2000"));
    int parallelism = Integer.parseInt(a.getOrDefault("parallelism", "2"));
    List<String> phases = List.of(a.getOrDefault("phases", "throughput,latency,state").split(","));
    int stateSeries = Integer.parseInt(a.getOrDefault("state-series", "2000"));
    int statePerSeries = Integer.parseInt(a.getOrDefault("state-per-series", "6"));
    int warmup = Integer.parseInt(a.getOrDefault("warmup", "300000"));
    int rounds = Integer.parseInt(a.getOrDefault("rounds", "1"));
    if (rounds < 1) {
      throw new IllegalArgumentException("--rounds must be 1 or more: " + rounds);
    }
    udpPackets = Integer.parseInt(a.getOrDefault("udp-packets", "10"));
    checkpointInterval = a.getOrDefault("checkpoint-interval", "10s");
    coreOnly =
        switch (a.getOrDefault("job", "full")) {
          case "full" -> false;
          case "core" -> true;
          default -> throw new IllegalArgumentException("--job is full or core");
        };

    Path tmp = Files.createTempDirectory("qoe-bench");
    try (EmbeddedKafka kafka = EmbeddedKafka.start(tmp.resolve("kafka"), 0);
        EmbeddedDatabase db = EmbeddedDatabase.start(tmp.resolve("pg"), true, 0);
        LocalFlinkCluster flink = LocalFlinkCluster.start(0, 0, 4, TaskProgress.REPORTER_CONFIG)) {
      String bootstrap = kafka.bootstrapServers();
      TopicCreator.ensureAll(bootstrap);
      if (phases.contains("throughput")) {
        throughput(bootstrap, db, flink, n, series, parallelism, warmup, rounds);
      }
      if (phases.contains("latency")) {
        latency(bootstrap, db, flink, latencySeconds, rate, parallelism);
      }
      if (phases.contains("state")) {
        for (String backend : JobConfig.STATE_BACKENDS) {
          stateSize(bootstrap, db, flink, backend, stateSeries, statePerSeries, parallelism);
        }
      }

      System.out.printf(
          Locale.ROOT,
          "peak heap (whole JVM: broker, Flink, job): %.0f MB%n",
          peakHeapBytes() / 1e6);
    } finally {
      ScratchDirs.delete(tmp);
    }
    System.exit(0);
  }

  private static void throughput(
      String bootstrap,
      EmbeddedDatabase db,
      LocalFlinkCluster flink,
      int n,
      int series,
      int parallelism,
      int warmup,
      int rounds)
      throws Exception {
    if (warmup > 0) {
      warmUp(bootstrap, db, flink, warmup, series, parallelism);
    }
    createTopic(bootstrap, new TopicSpec(BENCH_TOPIC, 6, Duration.ofDays(1).toMillis(), Map.of()));
    System.out.printf(
        Locale.ROOT,
        "benchmark: %,d measurements over %,d series, parallelism %d, %s%n",
        n,
        series,
        parallelism,
        coreOnly
            ? "core job (--job core: no rollups, baselines_latest or escalation)"
            : "job as deployed (rollups, baselines_latest, escalation)");

    long t0 = System.nanoTime();
    long bytes = fill(bootstrap, BENCH_TOPIC, n, series, "bench-");
    double fillS = (System.nanoTime() - t0) / 1e9;
    System.out.printf(
        Locale.ROOT,
        "filled topic: %,d measurements, %.1f MB in %.1f s (%,.0f/s produce)%n",
        n,
        bytes / 1e6,
        fillS,
        n / fillS);

    List<Round> results = new ArrayList<>();
    for (int r = 1; r <= rounds; r++) {
      if (rounds > 1) {
        System.out.printf(Locale.ROOT, "round %d of %d:%n", r, rounds);
      }
      results.add(round(bootstrap, db, flink, n, parallelism));
    }
    if (rounds > 1) {
      summarize(results);
    }
  }

  /** One round's rates: the plain consumer's, then the job's over the same topic. */
  record Round(double consumer, double consumerSteady, double job, OptionalDouble jobSteady) {

    double share() {
      return job / consumer;
    }

    OptionalDouble steadyShare() {
      return jobSteady.isPresent()
          ? OptionalDouble.of(jobSteady.getAsDouble() / consumerSteady)
          : OptionalDouble.empty();
    }
  }

  /**
   * Each round's shares and their medians. The plain consumer and the job run back to back within a
   * round, so what the machine does at the time (it moved the job's CPU per measurement by 12 %
   * between two runs of one build) weighs on both sides of a round's share.
   */
  static void summarize(List<Round> rounds) {
    System.out.println("rounds (plain consumer, then the job, back to back):");
    for (int i = 0; i < rounds.size(); i++) {
      Round r = rounds.get(i);
      System.out.printf(
          Locale.ROOT,
          "  round %d: job %,.0f/s of %,.0f/s = %.1f %%; steady %s%n",
          i + 1,
          r.job(),
          r.consumer(),
          100 * r.share(),
          r.steadyShare().isPresent()
              ? String.format(
                  Locale.ROOT,
                  "%,.0f/s of %,.0f/s = %.1f %%",
                  r.jobSteady().getAsDouble(),
                  r.consumerSteady(),
                  100 * r.steadyShare().getAsDouble())
              : "not measured");
    }
    double[] shares = rounds.stream().mapToDouble(Round::share).toArray();
    double[] steady =
        rounds.stream()
            .map(Round::steadyShare)
            .filter(OptionalDouble::isPresent)
            .mapToDouble(OptionalDouble::getAsDouble)
            .toArray();
    System.out.printf(
        Locale.ROOT,
        "median share of the plain consumer over %d rounds: %.1f %% (range %.1f-%.1f); steady %s%n",
        rounds.size(),
        100 * median(shares),
        100 * Arrays.stream(shares).min().orElseThrow(),
        100 * Arrays.stream(shares).max().orElseThrow(),
        steady.length == 0
            ? "not measured"
            : String.format(
                Locale.ROOT,
                "%.1f %% (range %.1f-%.1f, %d rounds)",
                100 * median(steady),
                100 * Arrays.stream(steady).min().orElseThrow(),
                100 * Arrays.stream(steady).max().orElseThrow(),
                steady.length));
  }

  /** The median; of an even count, the mean of the middle two. */
  static double median(double[] values) {
    if (values.length == 0) {
      throw new IllegalArgumentException("no values");
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }

  private static Round round(
      String bootstrap, EmbeddedDatabase db, LocalFlinkCluster flink, int n, int parallelism)
      throws Exception {
    ConsumeRate raw = consumeAndDecode(bootstrap, BENCH_TOPIC, n);
    double rawRate = raw.whole();
    System.out.printf(
        Locale.ROOT,
        "plain consumer, read + decode: %,.0f measurements/s (steady, 10-90 %% of the topic: %,.0f/s)%n",
        rawRate,
        raw.steady());

    JobConfig config = config(bootstrap, db, BENCH_TOPIC, "1m", "earliest");
    KafkaSource<IngestResult> bounded = bounded(config);
    QoeJob job = job(config, bounded);
    long j0 = System.nanoTime();
    long cpu0 = processCpuNanos();
    ThreadCpu threadCpu = ThreadCpu.start();
    JobID id = flink.submit(job, config, parallelism);
    TaskProgress progress = TaskProgress.start(id.toString(), KEYED_TASK, 100);
    JobStatus status;
    try {
      status = awaitEnd(flink, id, Duration.ofMinutes(20));
    } finally {
      progress.close();
    }
    double jobS = (System.nanoTime() - j0) / 1e9;
    double cpuS = (processCpuNanos() - cpu0) / 1e9;
    Map<String, Double> cpuByThreads = threadCpu.stop();
    Map<String, Double> cpuByJvmThreads = threadCpu.jvmThreads();
    long rows =
        count(db, "SELECT coalesce(sum(count), 0) FROM agg_1m WHERE probe_id LIKE 'bench-%'");
    System.out.printf(
        Locale.ROOT,
        "job, earliest to end of topic into Postgres: %s in %.1f s = %,.0f measurements/s (%.0f %% of the plain consumer); rows account for %,d measurements%n",
        status,
        jobS,
        n / jobS,
        100.0 * (n / jobS) / rawRate,
        rows);
    OptionalDouble jobSteady = steadyRate(progress, n, jobS, raw.steady());
    if (rows != n) {
      System.out.printf(
          Locale.ROOT,
          "  WARNING: %,d measurements are not in the rows (late or rejected: see %s and the log);"
              + " the figures above are not a clean run%n",
          n - rows,
          config.dlqTopic());
    }
    // CPU per measurement does not depend on what else the machine runs at the time
    System.out.printf(
        Locale.ROOT,
        "job CPU (whole JVM, broker included): %.1f s = %.1f µs per measurement%n",
        cpuS,
        cpuS * 1e6 / n);
    // where it went, by thread group (Flink tasks by their chain's name); GC and JIT are the rest
    double javaThreads = cpuByThreads.values().stream().mapToDouble(Double::doubleValue).sum();
    cpuByThreads.entrySet().stream()
        .limit(8)
        .forEach(
            e ->
                System.out.printf(
                    Locale.ROOT,
                    "  %5.1f µs per measurement: %s%n",
                    e.getValue() * 1e6 / n,
                    e.getKey()));
    System.out.printf(
        Locale.ROOT,
        "  %5.1f µs per measurement: other Java threads; %.1f µs: GC, JIT and other JVM threads%n",
        (javaThreads
                - cpuByThreads.values().stream().limit(8).mapToDouble(Double::doubleValue).sum())
            * 1e6
            / n,
        (cpuS - javaThreads) * 1e6 / n);
    if (!cpuByJvmThreads.isEmpty()) {
      StringBuilder jvm = new StringBuilder("  of which (from /proc):");
      cpuByJvmThreads.forEach(
          (k, v) -> jvm.append(String.format(Locale.ROOT, " %s %.1f µs;", k, v * 1e6 / n)));
      System.out.println(jvm);
    }
    // which task held the pipeline back: busy the whole time, with the tasks before it
    // back-pressured and those after it idle
    System.out.println(
        "  per task, share of its time busy / back-pressured / idle (subtasks summed):");
    for (LocalFlinkCluster.TaskTime t : flink.taskTimes(id)) {
      double total = t.totalMs();
      if (total <= 0) {
        continue;
      }
      System.out.printf(
          Locale.ROOT,
          "    %3.0f %% / %3.0f %% / %3.0f %%  %s%n",
          100 * t.busyMs() / total,
          100 * t.backPressuredMs() / total,
          100 * t.idleMs() / total,
          t.name().length() > 70 ? t.name().substring(0, 70) + "…" : t.name());
    }
    return new Round(rawRate, raw.steady(), n / jobS, jobSteady);
  }

  /** The task that dedupes and windows: the one every valid measurement goes through. */
  private static final String KEYED_TASK = "dedupe and series windows";

  /**
   * The job's steady rate: how fast the keyed task took in measurements between 10 % and 90 % of
   * the topic, against the plain consumer's steady rate; and how much of the wall time that rate
   * accounts for.
   */
  private static OptionalDouble steadyRate(
      TaskProgress progress, int n, double jobS, double rawSteady) {
    List<TaskProgress.Reading> readings = progress.readings();
    OptionalDouble steady = TaskProgress.rateBetween(readings, n / 10, n - n / 10);
    if (steady.isEmpty()) {
      System.out.printf(
          Locale.ROOT,
          "  steady rate: not measured (%d readings of the keyed task's records in)%n",
          readings.size());
      return steady;
    }
    System.out.printf(
        Locale.ROOT,
        "  steady, 10-90 %% of the topic: %,.0f measurements/s (%.0f %% of the plain consumer's steady rate)%n",
        steady.getAsDouble(),
        100.0 * steady.getAsDouble() / rawSteady);
    System.out.printf(
        Locale.ROOT,
        "  of the %.1f s, %.1f s at the steady rate; the rest is the job's start (deploying tasks,"
            + " opening connections) and end (a bounded job waits for a final checkpoint)%n",
        jobS,
        n / steady.getAsDouble());
    return steady;
  }

  /**
   * The same work, smaller and on its own topic and probes ({@code warm-…}, not counted in the
   * results), before anything is measured: the plain consumer and the job then run on compiled
   * code, as a job that has been running for a while does, instead of charging the JIT compiler's
   * first seconds (several seconds of CPU for the job's code paths) to the measurement.
   */
  private static void warmUp(
      String bootstrap,
      EmbeddedDatabase db,
      LocalFlinkCluster flink,
      int n,
      int series,
      int parallelism)
      throws Exception {
    String topic = "bench.warmup";
    createTopic(bootstrap, new TopicSpec(topic, 6, Duration.ofDays(1).toMillis(), Map.of()));
    fill(bootstrap, topic, n, series, "warm-");
    consumeAndDecode(bootstrap, topic, n);
    JobConfig config = config(bootstrap, db, topic, "1m", "earliest");
    long t0 = System.nanoTime();
    JobID id = flink.submit(job(config, bounded(config)), config, parallelism);
    JobStatus status = awaitEnd(flink, id, Duration.ofMinutes(20));
    double s = (System.nanoTime() - t0) / 1e9;
    System.out.printf(
        Locale.ROOT,
        "warm-up (not measured): plain consumer and job over %,d measurements on their own topic; job %s in %.1f s (%,.0f/s from a cold start)%n",
        n,
        status,
        s,
        n / s);
  }

  /** The job's own Kafka source ({@link QoeJob#kafkaSourceBuilder}), read to the topic's end. */
  private static KafkaSource<IngestResult> bounded(JobConfig config) {
    return QoeJob.kafkaSourceBuilder(config).setBounded(OffsetsInitializer.latest()).build();
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /**
   * Checkpointed state per series: {@code perSeries} measurements for each of {@code series}
   * series, all inside one minute of event time, so that every series has exactly one open window
   * and none fires. Once the job has committed the end of the topic (offsets are committed when the
   * checkpoint holding them completes), the latest checkpoint holds all of them.
   */
  private static void stateSize(
      String bootstrap,
      EmbeddedDatabase db,
      LocalFlinkCluster flink,
      String backend,
      int series,
      int perSeries,
      int parallelism)
      throws Exception {
    String topic = "bench.state." + backend;
    createTopic(bootstrap, new TopicSpec(topic, 2, Duration.ofDays(1).toMillis(), Map.of()));
    long minute = (System.currentTimeMillis() - Duration.ofHours(1).toMillis()) / 60_000 * 60_000;
    Random random = new Random(7);
    int n = series * perSeries;
    try (CheckedProducer producer = new CheckedProducer(producer(bootstrap))) {
      for (int i = 0; i < perSeries; i++) {
        for (int s = 0; s < series; s++) {
          long ts = minute + 1000 + (long) i * 50_000 / perSeries;
          Measurement m =
              s % 2 == 0
                  ? http("state-" + (s % 50), "target-" + s, ts, random)
                  : udp("state-" + (s % 50), "target-" + s, ts, random);
          producer.send(
              new ProducerRecord<>(
                  topic,
                  m.kafkaKey().getBytes(StandardCharsets.UTF_8),
                  MessageSerde.MEASUREMENT.toBytes(m)));
        }
      }
      producer.flush();
    }
    String group = "bench-state-" + backend;
    JobConfig config =
        config(
            bootstrap,
            db,
            topic,
            "1m",
            "earliest",
            "--group-id",
            group,
            "--checkpoint-interval",
            "2s",
            "--state-backend",
            backend);
    QoeJob job =
        new QoeJob(
            config,
            QoeJob.kafkaSource(config),
            Sinks.aggregates(config),
            Sinks.deadLetters(config));
    JobID id = flink.submit(job, config, parallelism);
    flink.awaitRunning(id, Duration.ofSeconds(60));
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    while (committed(bootstrap, group, topic) < n) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the job did not commit the end of " + topic);
      }
      TimeUnit.MILLISECONDS.sleep(200);
    }
    Map<String, Long> sizes = flink.latestCheckpointStateSizes(id);
    flink.cancel(id);
    // dedupe and the windows are one operator (SeriesWindows): its state is both
    long perSeriesState = sizeOf(sizes, "series windows");
    System.out.printf(
        Locale.ROOT,
        "checkpointed state, %s (%,d series, %d measurements each in one open 1-minute window,"
            + " checkpoint %d): total %,d bytes; dedupe + windows %,d bytes = %,.0f bytes per"
            + " series (its window and its %d remembered event ids)%n",
        backend,
        series,
        perSeries,
        sizes.get("id"),
        sizes.get("total"),
        perSeriesState,
        (double) perSeriesState / series,
        perSeries);
  }

  private static long sizeOf(Map<String, Long> sizes, String operator) {
    return sizes.entrySet().stream()
        .filter(e -> e.getKey().contains(operator))
        .mapToLong(Map.Entry::getValue)
        .sum();
  }

  /** The offsets the consumer group has committed on {@code topic}, summed over partitions. */
  private static long committed(String bootstrap, String group, String topic) throws Exception {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(p)) {
      return admin
          .listConsumerGroupOffsets(group)
          .partitionsToOffsetAndMetadata()
          .get()
          .entrySet()
          .stream()
          .filter(e -> e.getKey().topic().equals(topic) && e.getValue() != null)
          .mapToLong(e -> e.getValue().offset())
          .sum();
    }
  }

  private static void latency(
      String bootstrap,
      EmbeddedDatabase db,
      LocalFlinkCluster flink,
      int seconds,
      int rate,
      int parallelism)
      throws Exception {
    String topic = Topics.MEASUREMENTS;
    JobConfig config =
        JobConfig.fromArgs(
            new String[] {
              "--bootstrap-servers",
              bootstrap,
              "--jdbc-url",
              db.jdbcUrl(),
              "--jdbc-user",
              db.user(),
              "--measurements-topic",
              topic,
              "--window",
              "1s",
              "--out-of-orderness",
              "200ms",
              "--idleness",
              "1s",
              "--jdbc-batch-interval",
              "100ms",
              "--starting-offsets",
              "latest",
              "--checkpoint-interval",
              "5s",
              "--group-id",
              "bench-latency"
            },
            Map.of());
    JobID id = flink.submit(config, parallelism);
    flink.awaitRunning(id, Duration.ofSeconds(60));
    // the source needs a moment to assign partitions before "latest" means now
    Map<String, Long> lastProduced = new HashMap<>();
    Map<String, Long> firstVisible = new HashMap<>();
    AtomicBoolean polling = new AtomicBoolean(true);
    Thread poller =
        new Thread(
            () -> {
              try (Connection c = db.dataSource().getConnection();
                  Statement st = c.createStatement()) {
                while (polling.get()) {
                  try (ResultSet rs =
                      st.executeQuery(
                          "SELECT probe_id || '|' || target || '|' || (extract(epoch FROM"
                              + " window_start) * 1000)::bigint FROM agg_1m WHERE probe_id ="
                              + " 'lat'")) {
                    long now = System.currentTimeMillis();
                    synchronized (firstVisible) {
                      while (rs.next()) {
                        firstVisible.putIfAbsent(rs.getString(1), now);
                      }
                    }
                  }
                  TimeUnit.MILLISECONDS.sleep(20);
                }
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            },
            "latency-poller");
    poller.start();
    int targets = 100;
    try (KafkaProducer<byte[], byte[]> producer = producer(bootstrap)) {
      Random random = new Random(1);
      long start = System.currentTimeMillis();
      long sent = 0;
      while (System.currentTimeMillis() < start + seconds * 1000L) {
        long now = System.currentTimeMillis();
        long due = (now - start) * rate / 1000;
        for (; sent < due; sent++) {
          String target = "t" + (sent % targets);
          Measurement m = http("lat", target, now, random);
          producer.send(
              new ProducerRecord<>(
                  topic,
                  m.kafkaKey().getBytes(StandardCharsets.UTF_8),
                  MessageSerde.MEASUREMENT.toBytes(m)));
          lastProduced.put("lat|" + target + "|" + (now - now % 1000), now);
        }
        producer.flush();
        TimeUnit.MILLISECONDS.sleep(5);
      }
      // windows close only when later data passes them: keep time moving for a few seconds
      long end = System.currentTimeMillis() + 3000;
      while (System.currentTimeMillis() < end) {
        long now = System.currentTimeMillis();
        Measurement m = http("tick", "tick", now, random);
        producer.send(
            new ProducerRecord<>(
                topic,
                m.kafkaKey().getBytes(StandardCharsets.UTF_8),
                MessageSerde.MEASUREMENT.toBytes(m)));
        producer.flush();
        TimeUnit.MILLISECONDS.sleep(50);
      }
    }
    polling.set(false);
    poller.join(5000);
    flink.cancel(id);
    List<Long> latencies = new ArrayList<>();
    synchronized (firstVisible) {
      lastProduced.forEach(
          (k, produced) -> {
            Long seen = firstVisible.get(k);
            if (seen != null) {
              latencies.add(seen - produced);
            }
          });
    }
    long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
    if (sorted.length == 0) {
      System.out.println("latency: no windows became visible");
      return;
    }
    System.out.printf(
        Locale.ROOT,
        "end-to-end latency, last measurement of a 1 s window produced -> its row visible (%d windows of %d, %d/s over %d targets, out-of-orderness 200 ms, JDBC batch 100 ms): p50 %d ms, p99 %d ms, max %d ms%n",
        sorted.length,
        lastProduced.size(),
        rate,
        targets,
        sorted[sorted.length / 2],
        sorted[(int) Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)],
        sorted[sorted.length - 1]);
  }

  static long fill(String bootstrap, String topic, int n, int series, String probePrefix)
      throws Exception {
    Random random = new Random(42);
    long base = System.currentTimeMillis() - Duration.ofHours(2).toMillis();
    // Event time spreads over 20 minutes, in order per series, as probes would send it.
    long spanMs = Duration.ofMinutes(20).toMillis();
    long bytes = 0;
    try (CheckedProducer producer = new CheckedProducer(producer(bootstrap))) {
      for (int i = 0; i < n; i++) {
        int s = i % series;
        long ts = base + (long) i * spanMs / n;
        Measurement m =
            s % 2 == 0
                ? http(probePrefix + (s % 50), "target-" + s, ts, random)
                : udp(probePrefix + (s % 50), "target-" + s, ts, random);
        byte[] value = MessageSerde.MEASUREMENT.toBytes(m);
        bytes += value.length;
        producer.send(
            new ProducerRecord<>(topic, m.kafkaKey().getBytes(StandardCharsets.UTF_8), value));
      }
      producer.flush();
      if (producer.resent() > 0) {
        System.out.printf(
            Locale.ROOT,
            "  (%,d records of the fill were rejected once and sent again)%n",
            producer.resent());
      }
    }
    return bytes;
  }

  /**
   * A plain consumer's rate over the whole topic (from creating the consumer to the last record),
   * and its steady rate between 10 % and 90 % of the topic.
   */
  record ConsumeRate(double whole, double steady) {}

  static ConsumeRate consumeAndDecode(String bootstrap, String topic, int n) throws Exception {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-raw-" + UUID.randomUUID());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
    p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Integer.toString(64 << 20));
    long decoded = 0;
    long tenth = n / 10;
    long ninetieth = n - n / 10;
    long atTenth = 0;
    long atNinetieth = 0;
    long t0 = System.nanoTime();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
      while (decoded < n && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          MessageSerde.MEASUREMENT.fromBytes(r.value());
          decoded++;
          if (decoded == tenth) {
            atTenth = System.nanoTime();
          } else if (decoded == ninetieth) {
            atNinetieth = System.nanoTime();
          }
        }
      }
    }
    double whole = decoded / ((System.nanoTime() - t0) / 1e9);
    double steady =
        atNinetieth > atTenth && atTenth > 0
            ? (ninetieth - tenth) / ((atNinetieth - atTenth) / 1e9)
            : Double.NaN;
    return new ConsumeRate(whole, steady);
  }

  static Measurement http(String probe, String target, long ts, Random r) {
    double dns = 0.5 + r.nextDouble();
    double connect = 0.3 + r.nextDouble();
    double tls = 2 + 3 * r.nextDouble();
    double ttfb = Math.exp(3 + 0.5 * r.nextGaussian());
    double total = dns + connect + tls + ttfb + r.nextDouble();
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
        Map.of(
            "dns_ms",
            dns,
            "connect_ms",
            connect,
            "tls_ms",
            tls,
            "ttfb_ms",
            ttfb,
            "total_ms",
            total,
            "status",
            200.0,
            "bytes",
            5120.0));
  }

  /**
   * Whether the throughput phase runs the core of the job only ({@code --job core}: dedupe,
   * windows, scoring, diagnosis and scope into {@code agg_1m}, dead letters) rather than the job as
   * deployed ({@code --job full}, the default: also the 5-minute and 1-hour rollups, {@code
   * baselines_latest} and AutoPerf escalation with its history table).
   */
  private static boolean coreOnly;

  /** The jobs' checkpoint interval ({@code --checkpoint-interval}, default 10 s, the job's own). */
  private static String checkpointInterval = "10s";

  private static QoeJob job(JobConfig config, KafkaSource<IngestResult> source) {
    return coreOnly
        ? new QoeJob(config, source, Sinks.aggregates(config), Sinks.deadLetters(config))
        : QoeJob.production(config, source);
  }

  /** Packets per synthetic udp run ({@code --udp-packets}). */
  static int udpPackets = 10;

  static Measurement udp(String probe, String target, long ts, Random r) {
    Double[] rtts = new Double[udpPackets];
    int received = 0;
    for (int i = 0; i < rtts.length; i++) {
      rtts[i] = r.nextDouble() < 0.01 ? null : Math.exp(1 + 0.3 * r.nextGaussian());
      received += rtts[i] == null ? 0 : 1;
    }
    return new Measurement(
        1,
        UUID.randomUUID().toString(),
        probe,
        target,
        "udp",
        1,
        ts,
        received > 0,
        null,
        Arrays.asList(rtts),
        rtts.length,
        received,
        Map.of());
  }

  private static JobConfig config(
      String bootstrap,
      EmbeddedDatabase db,
      String topic,
      String window,
      String offsets,
      String... extra) {
    Map<String, String> args = new java.util.LinkedHashMap<>();
    String[] base =
        new String[] {
          "--bootstrap-servers",
          bootstrap,
          "--jdbc-url",
          db.jdbcUrl(),
          "--jdbc-user",
          db.user(),
          "--measurements-topic",
          topic,
          "--window",
          window,
          "--starting-offsets",
          offsets,
          "--checkpoint-interval",
          checkpointInterval,
          "--group-id",
          "bench"
        };
    for (int i = 0; i + 1 < base.length; i += 2) {
      args.put(base[i], base[i + 1]);
    }
    for (int i = 0; i + 1 < extra.length; i += 2) {
      args.put(extra[i], extra[i + 1]);
    }
    List<String> flat = new ArrayList<>();
    args.forEach(
        (k, v) -> {
          flat.add(k);
          flat.add(v);
        });
    return JobConfig.fromArgs(flat.toArray(String[]::new), Map.of());
  }

  private static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 * 1024));
    return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }

  private static void createTopic(String bootstrap, TopicSpec spec) {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(p)) {
      new TopicCreator(admin, (short) 1).ensure(List.of(spec));
      // Producing before every partition's leader serves it got NOT_LEADER_OR_FOLLOWER and then, on
      // the idempotent producer's retry, OUT_OF_ORDER_SEQUENCE_NUMBER: the batch failed, and its
      // records, sent again at the end of the fill, reached the job minutes of event time late.
      // A leader in the topic's metadata is not enough: wait until each partition's leader
      // answers a ListOffsets request, which it serves from the same replica state as a produce.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (System.nanoTime() < deadline) {
        try {
          Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
          for (int i = 0; i < spec.partitions(); i++) {
            latest.put(new TopicPartition(spec.name(), i), OffsetSpec.latest());
          }
          admin.listOffsets(latest).all().get(5, TimeUnit.SECONDS);
          return;
        } catch (java.util.concurrent.ExecutionException
            | java.util.concurrent.TimeoutException e) {
          // not served yet
        }
        TimeUnit.MILLISECONDS.sleep(100);
      }
      throw new IllegalStateException(
          "partitions of " + spec.name() + " are not served after 30 s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static JobStatus awaitEnd(LocalFlinkCluster flink, JobID id, Duration timeout)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    JobStatus s = flink.status(id);
    while (!s.isGloballyTerminalState() && System.nanoTime() < deadline) {
      TimeUnit.MILLISECONDS.sleep(100);
      s = flink.status(id);
    }
    return s;
  }

  private static long count(EmbeddedDatabase db, String sql) throws Exception {
    try (Connection c = db.dataSource().getConnection();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static long peakHeapBytes() {
    long peak = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        peak += pool.getPeakUsage().getUsed();
      }
    }
    return peak;
  }
}
