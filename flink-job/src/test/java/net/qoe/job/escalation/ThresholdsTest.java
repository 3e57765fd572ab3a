package net.qoe.job.escalation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import net.qoe.job.window.SeriesAccumulator;
import net.qoe.job.window.SeriesAggregate;
import net.qoe.kafka.message.Measurement;
import net.qoe.kafka.message.MeasurementError;
import org.junit.jupiter.api.Test;

class ThresholdsTest {

  private static final long T0 = 1_700_000_000_000L;
  private final Thresholds thresholds = new Thresholds(AutoPerfConfig.defaults());

  private static Measurement failed(String test, String stage, int i) {
    return new Measurement(
        1,
        test + "-" + stage + "-" + i,
        "p",
        "web",
        test,
        2,
        T0 + i,
        false,
        new MeasurementError(stage, stage + " failure"),
        null,
        null,
        null,
        Map.of());
  }

  private static SeriesAggregate window(Measurement... runs) {
    SeriesAccumulator acc = new SeriesAccumulator();
    for (Measurement m : runs) {
      acc.add(m);
    }
    return acc.toAggregate(T0, T0 + 60_000);
  }

  @Test
  void aTestThatCannotRunOnTheProbesHostIsNoBreach() {
    SeriesAggregate noMtr =
        window(failed("traceroute", "unavailable", 1), failed("traceroute", "unavailable", 2));
    SeriesAggregate probeBug = window(failed("http", "internal", 1));

    assertThat(thresholds.tier1(noMtr)).isEmpty();
    assertThat(thresholds.tier1(probeBug)).isEmpty();
  }

  @Test
  void runsThatAllFailedOnTheNetworkAreABreach() {
    SeriesAggregate timeouts = window(failed("http", "timeout", 1), failed("http", "timeout", 2));
    SeriesAggregate mixed = window(failed("http", "unavailable", 1), failed("http", "refused", 2));

    assertThat(thresholds.tier1(timeouts)).containsExactly("http: all 2 runs failed {timeout=2}");
    assertThat(thresholds.tier1(mixed)).singleElement().asString().contains("all 2 runs failed");
  }
}
