package net.qoe.job.escalation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
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

  @Test
  void theFastPathViewOfARunBreachesExactlyAsTheRunDoes() {
    Measurement slow = http(1, 2_600);
    Measurement fast = http(2, 80);
    Measurement lossy = udp(3, 10, 4);
    Measurement clean = udp(4, 10, 10);
    Measurement broken = failed("http", "timeout", 5);
    for (Measurement m : java.util.List.of(slow, fast, lossy, clean, broken)) {
      Measurement view = Thresholds.fastPathView(m);
      assertThat(thresholds.hardBreach(view)).as(m.eventId()).isEqualTo(thresholds.hardBreach(m));
      assertThat(view.rttMs()).isNull();
      assertThat(view.metrics().keySet()).isSubsetOf(java.util.Set.of("total_ms"));
      assertThat(view)
          .extracting(
              Measurement::eventId,
              Measurement::probeId,
              Measurement::target,
              Measurement::test,
              Measurement::tsMs,
              Measurement::tier)
          .containsExactly(m.eventId(), m.probeId(), m.target(), m.test(), m.tsMs(), m.tier());
    }
    assertThat(thresholds.hardBreach(slow)).isNotNull();
    assertThat(thresholds.hardBreach(lossy)).isNotNull();
    assertThat(thresholds.hardBreach(broken)).isNotNull();
    assertThat(thresholds.hardBreach(fast)).isNull();
    assertThat(thresholds.hardBreach(clean)).isNull();
  }

  @Test
  void theBreachTestAgreesWithTheSentenceAndTheSentenceHasTheNumbers() {
    AutoPerfConfig config = AutoPerfConfig.defaults();
    Measurement slow = http(1, 2_600);
    Measurement atThreshold = http(2, config.httpResponseMs());
    Measurement lossy = udp(3, 10, 4);
    Measurement oneLost = udp(4, 100, 99);
    Measurement noneSent = udp(5, 0, 0);
    Measurement broken = failed("http", "timeout", 6);
    Measurement brokenNoError =
        new Measurement(
            1, "tcp-7", "p", "web", "tcp", 1, T0, false, null, null, null, null, Map.of());
    for (Measurement m :
        java.util.List.of(slow, atThreshold, lossy, oneLost, noneSent, broken, brokenNoError)) {
      assertThat(thresholds.isHardBreach(m))
          .as(m.eventId())
          .isEqualTo(thresholds.hardBreach(m) != null);
    }
    assertThat(thresholds.hardBreach(slow))
        .isEqualTo(
            String.format(Locale.ROOT, "http total 2600 ms > %.0f ms", config.httpResponseMs()));
    assertThat(thresholds.hardBreach(lossy))
        .isEqualTo(
            String.format(Locale.ROOT, "udp packet loss 60 %% > %.0f %%", config.packetLossPct()));
    assertThat(thresholds.hardBreach(broken))
        .isEqualTo("http run failed (timeout: timeout failure)");
    assertThat(thresholds.hardBreach(brokenNoError)).isEqualTo("tcp run failed");
    assertThat(thresholds.isHardBreach(atThreshold)).isFalse();
    assertThat(thresholds.isHardBreach(noneSent)).isFalse();
    assertThat(thresholds.isHardBreach(oneLost)).isEqualTo(1.0 > config.packetLossPct());
  }

  @Test
  void aProbesErrorMessageIsQuotedShortAndWithoutControlCharacters() {
    String toolOutput = "line one\u0000\nline two\t" + "x".repeat(1_000_000);
    Measurement m =
        new Measurement(
            1,
            "tcp-8",
            "p",
            "web",
            "tcp",
            1,
            T0,
            false,
            new net.qoe.kafka.message.MeasurementError("io", toolOutput),
            null,
            null,
            null,
            Map.of());

    String sentence = thresholds.hardBreach(m);

    assertThat(sentence).startsWith("tcp run failed (io: line one  line two x").endsWith("…)");
    assertThat(sentence).hasSizeLessThan(Thresholds.MAX_QUOTED_CHARS + 40);
    assertThat(sentence.chars()).noneMatch(Character::isISOControl);
    // a character beyond the BMP cut in half at the limit is not left as half a character
    String clefs = "\uD834\uDD1E".repeat(Thresholds.MAX_QUOTED_CHARS);
    assertThat(Thresholds.quoted("a" + clefs)).doesNotContain("\uD834…").endsWith(" …");
    assertThat(Thresholds.quoted(clefs)).endsWith("\uDD1E…");
    assertThat(Thresholds.quoted(null)).isEmpty();
  }

  private static Measurement http(int i, double totalMs) {
    return new Measurement(
        1,
        "http-" + i,
        "p",
        "web",
        "http",
        1,
        T0 + i,
        true,
        null,
        null,
        null,
        null,
        Map.of("dns_ms", 3.0, "connect_ms", 5.0, "total_ms", totalMs));
  }

  private static Measurement udp(int i, int sent, int received) {
    java.util.List<Double> rtts = new java.util.ArrayList<>();
    for (int k = 0; k < sent; k++) {
      rtts.add(k < received ? 1.0 + k : null);
    }
    return new Measurement(
        1, "udp-" + i, "p", "echo", "udp", 1, T0 + i, true, null, rtts, sent, received, Map.of());
  }
}
