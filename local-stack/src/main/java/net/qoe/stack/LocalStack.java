package net.qoe.stack;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import net.qoe.job.config.JobConfig;
import net.qoe.kafka.TopicCreator;
import net.qoe.kafka.Topics;
import net.qoe.kafka.embedded.EmbeddedKafka;
import net.qoe.sql.EmbeddedDatabase;
import net.qoe.sql.Migrations;
import org.apache.flink.api.common.JobID;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The whole pipeline on one machine, in one JVM: an embedded Kafka broker, an embedded PostgreSQL
 * with the migrations applied, the Flink job on a MiniCluster with its dashboard, a responder, a
 * local HTTP target and a few probes; then a live table per series until Ctrl-C.
 */
public final class LocalStack implements AutoCloseable {

  private final StackOptions options;
  private final PrintStream out;
  private final Deque<AutoCloseable> started = new ArrayDeque<>();
  private final Path workDir;

  private String bootstrapServers;
  private String jdbcUrl;
  private DataSource dataSource;
  private LocalFlinkCluster flink;
  private JobID jobId;
  private LocalTargets targets;

  /** Signs the job's tier commands; made up per run, as nothing outside this JVM needs it. */
  private final String commandSecret = java.util.UUID.randomUUID().toString();

  LocalStack(StackOptions options, PrintStream out) throws IOException {
    this.options = options;
    this.out = out;
    this.workDir = Files.createTempDirectory("qoe-local-stack");
  }

  public static void main(String[] args) throws Exception {
    StackOptions options;
    try {
      if (args.length > 0 && (args[0].equals("--help") || args[0].equals("help"))) {
        System.out.println(StackOptions.USAGE);
        return;
      }
      options = StackOptions.parse(args, System.getenv());
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    // The launcher runs with its own java.io.tmpdir (Kafka, Flink and PostgreSQL all write
    // there); create it, and empty it again on the way out.
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    Files.createDirectories(tmp);
    boolean ownTmp = tmp.getFileName().toString().equals("local-stack-tmp");
    CountDownLatch stop = new CountDownLatch(1);
    LocalStack stack = new LocalStack(options, System.out);
    Thread hook =
        new Thread(
            () -> {
              stop.countDown();
              stack.close();
              if (ownTmp) {
                ScratchDirs.delete(tmp);
              }
            },
            "local-stack-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      stack.start();
      stack.printWhereEverythingIs();
      stack.watch(stop);
    } catch (Exception e) {
      System.err.println("the local stack failed: " + e.getMessage());
      e.printStackTrace();
      System.exit(1);
    }
    System.exit(0);
  }

  void start() throws Exception {
    long t0 = System.nanoTime();
    if (options.embeddedKafka()) {
      status("starting Kafka (embedded KRaft broker) ...");
      EmbeddedKafka kafka = EmbeddedKafka.start(workDir.resolve("kafka"), options.kafkaPort());
      started.push(kafka);
      bootstrapServers = kafka.bootstrapServers();
    } else {
      bootstrapServers = options.externalBootstrapServers();
    }
    List<String> created = TopicCreator.ensureAll(bootstrapServers);
    status(
        "Kafka ready at " + bootstrapServers + (created.isEmpty() ? "" : ", created " + created));

    if (options.embeddedPostgres()) {
      status("starting PostgreSQL 17 (embedded) and applying migrations ...");
      EmbeddedDatabase db =
          EmbeddedDatabase.start(workDir.resolve("postgres"), true, options.postgresPort());
      started.push(db);
      jdbcUrl = db.jdbcUrl();
      dataSource = db.dataSource();
    } else {
      jdbcUrl = options.externalJdbcUrl();
      PGSimpleDataSource ds = new PGSimpleDataSource();
      ds.setUrl(jdbcUrl);
      ds.setUser(options.jdbcUser());
      ds.setPassword(options.jdbcPassword());
      dataSource = ds;
      Migrations.apply(dataSource);
    }
    status("PostgreSQL ready at " + jdbcUrl);

    status("starting Flink (MiniCluster, dashboard on port " + options.flinkPort() + ") ...");
    flink = LocalFlinkCluster.start(options.flinkPort(), options.prometheusPort(), 4);
    started.push(flink);
    JobConfig jobConfig =
        JobConfig.fromArgs(
            new String[] {
              "--bootstrap-servers",
              bootstrapServers,
              "--jdbc-url",
              jdbcUrl,
              "--jdbc-user",
              options.jdbcUser(),
              "--jdbc-password",
              options.jdbcPassword(),
              "--window",
              options.window().toMillis() + "ms",
              // runs are stamped with their start, and a slow http run (the scripted fault adds
              // seconds) must still arrive before its window closes
              "--out-of-orderness",
              "6s",
              "--idleness",
              "5s",
              "--checkpoint-interval",
              "5s",
              "--starting-offsets",
              "latest",
              "--command-secret",
              commandSecret,
              // score windows from the fifth on, so the scripted fault gets a diagnosis
              "--baseline-warmup",
              "5"
            },
            java.util.Map.of());
    jobId = flink.submit(jobConfig, 1);
    flink.awaitRunning(jobId, Duration.ofSeconds(60));
    status("Flink job " + jobId + " RUNNING");

    targets = LocalTargets.start(bootstrapServers, options, out, commandSecret);
    started.push(targets);
    status(
        String.format(
            "up in %.1f s; first rows arrive after the first %d s window closes",
            (System.nanoTime() - t0) / 1e9, options.window().toSeconds()));
  }

  void printWhereEverythingIs() throws Exception {
    URI rest = flink.restAddress();
    out.println();
    out.println("QoE pipeline, local stack");
    out.printf("  Flink dashboard   %s%n", rest);
    out.printf(
        "  Flink metrics     http://127.0.0.1:%d/metrics (Prometheus)%n", options.prometheusPort());
    out.printf("  PostgreSQL        %s   user %s%n", jdbcUrl, options.jdbcUser());
    out.printf(
        "  Kafka             %s   topics %s%n",
        bootstrapServers, Topics.ALL.stream().map(t -> t.name()).toList());
    out.printf("  Targets           %s%n", targets.describe());
    out.printf(
        "  Scripted fault    +%d ms on the HTTP target from +%ds for %ds%n",
        options.faultDelayMs(),
        options.faultAfter().toSeconds(),
        options.faultLength().toSeconds());
    out.println("  Stop              Ctrl-C");
    out.flush();
  }

  /** Prints a table per new window until stopped (Ctrl-C) or the duration ends. */
  void watch(CountDownLatch stop) throws Exception {
    LiveTable table = new LiveTable(dataSource, out);
    Instant end =
        options.duration().isZero() ? Instant.MAX : Instant.now().plus(options.duration());
    while (Instant.now().isBefore(end)) {
      if (stop.await(1, TimeUnit.SECONDS)) {
        return;
      }
      targets.tick();
      table.printIfNew();
      table.printNewTransitions();
      var status = flink.status(jobId);
      if (status.isGloballyTerminalState()) {
        throw new IllegalStateException("the Flink job ended: " + status);
      }
    }
  }

  private void status(String message) {
    out.println("[local-stack] " + message);
    out.flush();
  }

  @Override
  public synchronized void close() {
    while (!started.isEmpty()) {
      AutoCloseable part = started.pop();
      try {
        part.close();
      } catch (Exception e) {
        System.err.println("while stopping " + part.getClass().getSimpleName() + ": " + e);
      }
    }
    ScratchDirs.delete(workDir);
  }
}
