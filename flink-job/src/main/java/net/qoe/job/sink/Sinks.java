package net.qoe.job.sink;

import net.qoe.job.config.JobConfig;
import net.qoe.job.diagnosis.DiagnosedWindow;
import net.qoe.job.rollup.Resolution;
import net.qoe.job.window.SeriesAggregate;
import net.qoe.kafka.message.DeadLetter;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.jdbc.JdbcConnectionOptions;
import org.apache.flink.connector.jdbc.JdbcExecutionOptions;
import org.apache.flink.connector.jdbc.JdbcStatementBuilder;
import org.apache.flink.connector.jdbc.core.datastream.sink.JdbcSink;
import org.apache.flink.connector.kafka.sink.KafkaSink;

/** The production sinks: Postgres for aggregates, Kafka for dead letters. */
public final class Sinks {

  private Sinks() {}

  /**
   * Batched upserts into {@code agg_1m}/{@code agg_1m_metric}. At-least-once (batches are flushed
   * on every checkpoint) plus idempotent upserts gives effectively-once rows.
   */
  public static Sink<DiagnosedWindow> aggregates(JobConfig config) {
    return jdbc(config, AggregateUpsert.SQL_1M, aggregateStatements(config));
  }

  /** Batched, guarded upserts of the newest baseline per series and headline. */
  public static Sink<DiagnosedWindow> baselines(JobConfig config) {
    return jdbc(config, BaselineUpsert.SQL, baselineStatements(config));
  }

  /** How {@link #aggregates} fills its statement: bands drawn at the configured width. */
  static JdbcStatementBuilder<DiagnosedWindow> aggregateStatements(JobConfig config) {
    return new AggregateUpsert.Diagnosed(config.baselineBand());
  }

  /** How {@link #baselines} fills its statement: bands drawn at the configured width. */
  static JdbcStatementBuilder<DiagnosedWindow> baselineStatements(JobConfig config) {
    return new BaselineUpsert(config.baselineBand());
  }

  /** The same batched, guarded upserts into one rollup resolution's tables. */
  public static Sink<SeriesAggregate> rollups(JobConfig config, Resolution resolution) {
    return jdbc(
        config,
        AggregateUpsert.sql(resolution.seriesTable, resolution.metricTable),
        new AggregateUpsert());
  }

  /**
   * A failed batch is retried (with growing back-off) while the connection is still usable; when
   * the database is gone the job fails over and its restart strategy retries until it is back,
   * replaying from the last checkpoint.
   */
  private static <T> Sink<T> jdbc(
      JobConfig config, String upsert, JdbcStatementBuilder<T> statement) {
    return SafeCloseJdbcSink.of(
        JdbcSink.<T>builder()
            .withQueryStatement(upsert, statement)
            .withExecutionOptions(
                JdbcExecutionOptions.builder()
                    .withBatchSize(config.jdbcBatchSize())
                    .withBatchIntervalMs(config.jdbcBatchInterval().toMillis())
                    .withMaxRetries(config.jdbcMaxRetries())
                    .build())
            .buildAtLeastOnce(connection(config)));
  }

  public static JdbcConnectionOptions connection(JobConfig config) {
    return new JdbcConnectionOptions.JdbcConnectionOptionsBuilder()
        .withUrl(config.jdbcUrl())
        .withDriverName("org.postgresql.Driver")
        .withUsername(config.jdbcUser())
        .withPassword(config.jdbcPassword())
        .withConnectionCheckTimeoutSeconds(10)
        .build();
  }

  /** Dead letters, keyed by source topic; at-least-once (a replayed dead letter is harmless). */
  public static Sink<DeadLetter> deadLetters(JobConfig config) {
    return KafkaSink.<DeadLetter>builder()
        .setBootstrapServers(config.bootstrapServers())
        .setRecordSerializer(new DeadLetterRecords(config.dlqTopic()))
        .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
        .build();
  }
}
