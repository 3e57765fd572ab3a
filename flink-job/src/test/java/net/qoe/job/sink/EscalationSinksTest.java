package net.qoe.job.sink;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import net.qoe.job.escalation.TierTransition;
import net.qoe.kafka.message.TierCommand;
import net.qoe.kafka.serde.MessageSerde;
import net.qoe.kafka.serde.MessageSigner;
import net.qoe.sql.EmbeddedDatabase;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class EscalationSinksTest {

  private static EmbeddedDatabase db;
  private static final TierTransition T =
      new TierTransition(
          "probe-a",
          "web",
          1,
          2,
          "http total p95 2450 ms > 2000 ms for 1 window",
          1_767_225_600_000L,
          3_600_000L,
          "6f1c2a10-8c3e-3b41-9a55-0d2c3e4f5a6b",
          1_767_226_200_000L,
          List.of("extended_ping", "mtr"));

  @BeforeAll
  static void start() {
    db = EmbeddedDatabase.start();
  }

  @AfterAll
  static void stop() {
    db.close();
  }

  @Test
  void aTransitionIsStoredOnceEvenWhenReplayed() throws Exception {
    insert(T);
    insert(T);
    try (Connection c = db.dataSource().getConnection();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT count(*), min(reason), min(previous_tier_ms), min(array_to_string(tests,"
                    + " ',')), min(to_tier) FROM tier_transitions")) {
      rs.next();
      assertThat(rs.getInt(1)).isEqualTo(1);
      assertThat(rs.getString(2)).isEqualTo(T.reason());
      assertThat(rs.getLong(3)).isEqualTo(3_600_000L);
      assertThat(rs.getString(4)).isEqualTo("extended_ping,mtr");
      assertThat(rs.getInt(5)).isEqualTo(2);
    }
  }

  @Test
  void commandsAreSignedAndKeyedByProbe() throws Exception {
    MessageSigner signer = MessageSigner.fromSecret("the-shared-command-secret");
    ProducerRecord<byte[], byte[]> r =
        new EscalationSinks.CommandRecords("qoe.commands", signer).serialize(T, null, null);
    assertThat(r.topic()).isEqualTo("qoe.commands");
    assertThat(new String(r.key())).isEqualTo("probe-a");
    TierCommand command = MessageSerde.TIER_COMMAND.fromBytes(r.value());
    assertThat(signer.verify(command)).isTrue();
    assertThat(command.commandId()).isEqualTo(T.commandId());
    assertThat(command.expiresMs()).isEqualTo(T.expiresMs());
    assertThat(command.tests()).containsExactly("extended_ping", "mtr");
  }

  private static void insert(TierTransition t) throws Exception {
    try (Connection c = db.dataSource().getConnection();
        PreparedStatement st = c.prepareStatement(EscalationSinks.INSERT_TRANSITION)) {
      new EscalationSinks.TransitionInsert().accept(st, t);
      st.executeUpdate();
    }
  }
}
