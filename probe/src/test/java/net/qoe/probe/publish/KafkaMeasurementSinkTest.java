package net.qoe.probe.publish;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import net.qoe.kafka.Topics;
import net.qoe.kafka.message.Measurement;
import net.qoe.probe.config.KafkaSettings;
import net.qoe.probe.tests.TestContext;
import org.junit.jupiter.api.Test;

class KafkaMeasurementSinkTest {

  /**
   * Without a spool the probe starts too while the broker's name does not resolve: what it measures
   * meanwhile is counted undelivered (and handed to the undelivered sink), while the producer is
   * retried in the background.
   */
  @Test
  void startsAndCountsMeasurementsUndeliveredWhileTheBrokerNameDoesNotResolve() {
    List<Measurement> undelivered = Collections.synchronizedList(new ArrayList<>());
    KafkaMeasurementSink sink =
        new KafkaMeasurementSink(
            new KafkaSettings("kafka.invalid:9092", Topics.MEASUREMENTS),
            "probe-dns",
            undelivered::add);
    try {
      Measurement m =
          new TestContext("probe-dns", 1, Duration.ofSeconds(1))
              .measure("t", "tcp", b -> b.metric("n", 1));
      sink.accept(m);
      sink.flush();
      assertThat(sink.sent()).isEqualTo(1);
      assertThat(sink.failed()).isEqualTo(1);
      assertThat(sink.dropped()).isEqualTo(1);
      assertThat(undelivered).containsExactly(m);
    } finally {
      sink.close();
    }
  }
}
