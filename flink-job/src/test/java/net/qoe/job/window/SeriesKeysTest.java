package net.qoe.job.window;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import net.qoe.kafka.message.Measurement;
import org.junit.jupiter.api.Test;

class SeriesKeysTest {

  private static Measurement run(String probe, String target, String test) {
    return new Measurement(
        1, "e", probe, target, test, 1, Runs.T0, true, null, null, null, null, Map.of());
  }

  @Test
  void aMeasurementAndTheAggregateOfItsSeriesHaveTheSameKey() {
    Measurement m = run("probe-1", "web:443", "http");
    SeriesAccumulator acc = new SeriesAccumulator();
    acc.add(m);
    assertThat(SeriesKeys.keyOf(acc.toAggregate(Runs.T0, Runs.T0 + 60_000)))
        .isEqualTo(SeriesKeys.keyOf(m));
  }

  @Test
  void namesThatConcatenateAlikeAreDifferentSeries() {
    assertThat(SeriesKeys.keyOf(run("a", "bc", "http")))
        .isNotEqualTo(SeriesKeys.keyOf(run("ab", "c", "http")));
    assertThat(SeriesKeys.keyOf(run("p", "1:x", "tcp")))
        .isNotEqualTo(SeriesKeys.keyOf(run("p1", ":x", "tcp")));
  }
}
