package net.qoe.job.sink;

import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import net.qoe.job.escalation.TierTransition;
import net.qoe.kafka.serde.MessageSerde;
import net.qoe.kafka.serde.MessageSigner;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.jdbc.JdbcConnectionOptions;
import org.apache.flink.connector.jdbc.JdbcExecutionOptions;
import org.apache.flink.connector.jdbc.JdbcStatementBuilder;
import org.apache.flink.connector.jdbc.core.datastream.sink.JdbcSink;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Where escalation decisions go: signed commands to the probes, and the history in Postgres. */
public final class EscalationSinks {

  static final String INSERT_TRANSITION =
      """
      INSERT INTO tier_transitions (command_id, probe_id, target, from_tier, to_tier, reason, at,
                                    previous_tier_ms, expires_at, tests)
      VALUES (?::uuid, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (command_id) DO NOTHING
      """;

  private EscalationSinks() {}

  /**
   * Signed {@code TierCommand}s on the commands topic, keyed by probe, with Kafka transactions: a
   * command becomes visible to probes (read_committed) only once its checkpoint completes, so a
   * restart never sends one twice.
   */
  public static Sink<TierTransition> commands(
      String bootstrapServers, String topic, MessageSigner signer, String transactionalIdPrefix) {
    return KafkaSink.<TierTransition>builder()
        .setBootstrapServers(bootstrapServers)
        .setRecordSerializer(new CommandRecords(topic, signer))
        .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
        .setTransactionalIdPrefix(transactionalIdPrefix)
        .setProperty("transaction.timeout.ms", "900000")
        .build();
  }

  /** The transition history; inserts are idempotent on the command id. */
  public static Sink<TierTransition> history(JdbcConnectionOptions connection) {
    return SafeCloseJdbcSink.of(
        JdbcSink.<TierTransition>builder()
            .withQueryStatement(INSERT_TRANSITION, new TransitionInsert())
            .withExecutionOptions(
                JdbcExecutionOptions.builder()
                    .withBatchSize(100)
                    .withBatchIntervalMs(200)
                    .withMaxRetries(10)
                    .build())
            .buildAtLeastOnce(connection));
  }

  /** Binds one transition to {@link #INSERT_TRANSITION}. */
  static final class TransitionInsert implements JdbcStatementBuilder<TierTransition> {
    private static final long serialVersionUID = 1L;

    @Override
    public void accept(PreparedStatement st, TierTransition t) throws SQLException {
      st.setString(1, t.commandId());
      st.setString(2, t.probeId());
      st.setString(3, t.target());
      st.setShort(4, (short) t.fromTier());
      st.setShort(5, (short) t.toTier());
      st.setString(6, t.reason());
      st.setTimestamp(7, new Timestamp(t.atMs()));
      st.setLong(8, Math.max(0, t.previousTierMs()));
      st.setTimestamp(9, new Timestamp(t.expiresMs()));
      Array tests = st.getConnection().createArrayOf("text", t.tests().toArray());
      st.setArray(10, tests);
    }
  }

  static final class CommandRecords implements KafkaRecordSerializationSchema<TierTransition> {
    private static final long serialVersionUID = 1L;
    private final String topic;
    private final MessageSigner signer;

    CommandRecords(String topic, MessageSigner signer) {
      this.topic = topic;
      this.signer = signer;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(
        TierTransition t, KafkaSinkContext context, Long timestamp) {
      return new ProducerRecord<>(
          topic,
          null,
          t.atMs(),
          t.probeId().getBytes(StandardCharsets.UTF_8),
          MessageSerde.TIER_COMMAND.toBytes(t.toCommand(signer)));
    }
  }
}
