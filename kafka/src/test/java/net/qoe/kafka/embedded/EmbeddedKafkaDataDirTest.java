package net.qoe.kafka.embedded;

import static net.qoe.kafka.embedded.TestClients.consume;
import static net.qoe.kafka.embedded.TestClients.measurement;
import static net.qoe.kafka.embedded.TestClients.produce;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import net.qoe.kafka.TopicCreator;
import net.qoe.kafka.message.Measurement;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.config.Configurator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What happens to the data directory across separate brokers. */
class EmbeddedKafkaDataDirTest {

  @TempDir Path tmp;

  @Test
  void aNewBrokerOnAnExistingDirectoryKeepsItAndFindsItsTopicsAndRecords() throws Exception {
    Measurement m = measurement("probe-1");
    try (EmbeddedKafka first = EmbeddedKafka.start(tmp, 0)) {
      TopicCreator.ensureAll(first.bootstrapServers());
      produce(first.bootstrapServers(), m);
    }
    assertThat(tmp.resolve("kraft-logs/meta.properties"))
        .as("a directory the caller made is not deleted")
        .exists();

    try (EmbeddedKafka second = EmbeddedKafka.start(tmp, 0)) {
      assertThat(TopicCreator.ensureAll(second.bootstrapServers())).isEmpty();
      assertThat(consume(second.bootstrapServers(), List.of(m.eventId()))).containsExactly(m);
    }
  }

  @Test
  void aPortInUseFailsClearlyAndLeavesNothingBehind() throws Exception {
    Path dir = tmp.resolve("new");
    // The broker logs the expected bind failure with long stack traces at ERROR.
    Level before = LogManager.getLogger("kafka").getLevel();
    Configurator.setLevel("kafka", Level.OFF);
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      assertThatThrownBy(() -> EmbeddedKafka.start(dir, taken.getLocalPort()))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("127.0.0.1:" + taken.getLocalPort());
    } finally {
      Configurator.setLevel("kafka", before);
    }
    assertThat(dir).as("the directory it created is removed again").doesNotExist();
  }

  @Test
  void rejectsAnImpossiblePort() {
    assertThatThrownBy(() -> EmbeddedKafka.start(tmp, 70000))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
