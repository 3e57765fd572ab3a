package net.qoe.stack;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import net.qoe.job.QoeJob;
import net.qoe.job.config.JobConfig;
import net.qoe.kafka.TopicCreator;
import net.qoe.kafka.embedded.EmbeddedKafka;
import net.qoe.sql.EmbeddedDatabase;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;

/**
 * What the end-to-end tests share: a real broker with the product's topics, a migrated PostgreSQL,
 * and the job submitted to the test's MiniCluster at parallelism 2, reading from and writing to
 * them. One per test class; {@link #close()} cancels the job and stops both servers.
 */
final class RunningPipeline implements AutoCloseable {

  /** The MiniCluster each of these tests registers: one TaskManager, two slots (parallelism 2). */
  static MiniClusterExtension miniCluster() {
    return new MiniClusterExtension(
        new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());
  }

  final EmbeddedKafka kafka;
  final EmbeddedDatabase db;
  private JobClient job;

  private RunningPipeline(EmbeddedKafka kafka, EmbeddedDatabase db) {
    this.kafka = kafka;
    this.db = db;
  }

  /** Starts the broker (topics created) and the database; no job yet. */
  static RunningPipeline start() {
    EmbeddedKafka kafka = EmbeddedKafka.start();
    try {
      TopicCreator.ensureAll(kafka.bootstrapServers());
      return new RunningPipeline(kafka, EmbeddedDatabase.start());
    } catch (RuntimeException e) {
      kafka.close();
      throw e;
    }
  }

  /**
   * The job's configuration: this broker and database, then {@code options} (flag, value, …), which
   * may override them.
   */
  JobConfig config(String... options) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--bootstrap-servers",
                kafka.bootstrapServers(),
                "--jdbc-url",
                db.jdbcUrl(),
                "--jdbc-user",
                db.user(),
                "--starting-offsets",
                "earliest"));
    args.addAll(List.of(options));
    return JobConfig.fromArgs(args.toArray(String[]::new), Map.of());
  }

  /** Submits the production job ({@link QoeJob#withKafkaAndPostgres}) with these options. */
  JobClient startJob(String... options) throws Exception {
    JobConfig config = config(options);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(2);
    QoeJob.configure(env, config);
    job = QoeJob.withKafkaAndPostgres(config).executeAsync(env);
    return job;
  }

  JobClient job() {
    return job;
  }

  @Override
  public void close() throws Exception {
    try {
      if (job != null) {
        job.cancel().get(30, TimeUnit.SECONDS);
      }
    } finally {
      try {
        db.close();
      } finally {
        kafka.close();
      }
    }
  }
}
