package net.qoe.job.diagnosis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.qoe.job.baseline.Headlines;
import net.qoe.job.baseline.MetricScore;
import net.qoe.job.baseline.ScoredWindow;
import net.qoe.job.window.SeriesAccumulator;
import net.qoe.job.window.SeriesAggregate;
import net.qoe.kafka.message.Measurement;
import org.junit.jupiter.api.Test;

/** One crafted window per label: which headlines moved decides the diagnosis. */
class DiagnoserTest {

  private final Diagnoser diagnoser = new Diagnoser(4.0, 7);

  @Test
  void dnsBound() {
    Diagnosis d = diagnose(Map.of(Headlines.DNS, s(900, 20, 10), Headlines.TOTAL, s(950, 70, 10)));
    assertThat(d.label()).isEqualTo(Diagnosis.DNS_BOUND);
    assertThat(d.reason()).isEqualTo("dns p95 900 ms vs 20.0 ms usual (88.0 σ)");
  }

  @Test
  void handshakeBound() {
    Diagnosis d =
        diagnose(
            Map.of(
                Headlines.CONNECT,
                s(180, 2, 2),
                Headlines.TTFB,
                s(40, 38, 3),
                Headlines.TOTAL,
                s(230, 50, 5)));
    assertThat(d.label()).isEqualTo(Diagnosis.HANDSHAKE_BOUND);
    assertThat(d.reason())
        .startsWith("connect p95 180 ms")
        .endsWith("while the server answers as usual");
  }

  @Test
  void serverBound() {
    Diagnosis d =
        diagnose(
            Map.of(
                Headlines.TTFB,
                s(420, 80, 10),
                Headlines.CONNECT,
                s(0.5, 0.4, 0.5),
                Headlines.TLS,
                s(3, 3, 0.5),
                Headlines.TOTAL,
                s(430, 90, 10)));
    assertThat(d.label()).isEqualTo(Diagnosis.SERVER_BOUND);
    assertThat(d.reason())
        .isEqualTo("ttfb p95 420 ms vs 80.0 ms usual (34.0 σ) while connect and tls are normal");
  }

  @Test
  void loss() {
    Diagnosis d = diagnose(Map.of(Headlines.LOSS, s(6.2, 0.1, 0.5), Headlines.RTT, s(20, 20, 1)));
    assertThat(d.label()).isEqualTo(Diagnosis.LOSS);
    assertThat(d.reason()).startsWith("packet loss 6.2 % vs 0.1 % usual");
  }

  @Test
  void congestionIsLatencyAndJitterUpTogether() {
    Diagnosis d = diagnose(Map.of(Headlines.RTT, s(90, 40, 5), Headlines.JITTER, s(12, 2, 2)));
    assertThat(d.label()).isEqualTo(Diagnosis.CONGESTION);
    assertThat(d.reason())
        .contains("rtt p95 90.0 ms")
        .contains("jitter 12.0 ms")
        .endsWith("together");
  }

  @Test
  void latencyAloneAndJitterAloneAreNotCongestion() {
    assertThat(diagnose(Map.of(Headlines.RTT, s(90, 40, 5), Headlines.JITTER, s(2, 2, 2))).label())
        .isEqualTo(Diagnosis.LATENCY);
    assertThat(diagnose(Map.of(Headlines.RTT, s(41, 40, 5), Headlines.JITTER, s(60, 2, 2))).label())
        .isEqualTo(Diagnosis.JITTER);
  }

  @Test
  void pathChange() {
    Diagnosis d = diagnose(Map.of(Headlines.HOPS, s(14, 11, 0.5), Headlines.RTT, s(30, 29, 2)));
    assertThat(d.label()).isEqualTo(Diagnosis.PATH_CHANGE);
    assertThat(d.reason()).isEqualTo("path changed: 14 hops, usually 11");
  }

  @Test
  void certExpiringWinsOverEverythingElse() {
    SeriesAccumulator acc = new SeriesAccumulator();
    acc.add(
        new Measurement(
            1,
            "e",
            "p",
            "t",
            "tls",
            1,
            0L,
            true,
            null,
            null,
            null,
            null,
            Map.of("cert_days_left", 3.0)));
    ScoredWindow w =
        new ScoredWindow(
            acc.toAggregate(0, 60_000), Map.of(Headlines.DNS, s(900, 20, 10)), true, Headlines.DNS);
    Diagnosis d = diagnoser.diagnose(w);
    assertThat(d.label()).isEqualTo(Diagnosis.CERT_EXPIRING);
    assertThat(d.reason()).isEqualTo("certificate expires in 3.0 days (< 7)");
  }

  @Test
  void throughputBound() {
    Diagnosis d = diagnose(Map.of(Headlines.THROUGHPUT, s(4, 90, 5, -1)));
    assertThat(d.label()).isEqualTo(Diagnosis.THROUGHPUT_BOUND);
  }

  @Test
  void nothingMovedIsNormal() {
    assertThat(diagnose(Map.of(Headlines.TOTAL, s(51, 50, 2))).label()).isEqualTo(Diagnosis.NORMAL);
  }

  private Diagnosis diagnose(Map<String, MetricScore> scores) {
    SeriesAggregate a = new SeriesAccumulator().toAggregate(0, 60_000);
    String worst =
        scores.entrySet().stream()
            .max(Map.Entry.comparingByValue((x, y) -> Double.compare(x.score(), y.score())))
            .map(Map.Entry::getKey)
            .orElse(null);
    return diagnoser.diagnose(new ScoredWindow(a, new HashMap<>(scores), true, worst));
  }

  private static MetricScore s(double value, double expected, double sigma) {
    return s(value, expected, sigma, 1);
  }

  private static MetricScore s(double value, double expected, double sigma, int direction) {
    return new MetricScore(value, expected, sigma, direction * (value - expected) / sigma);
  }

  @SuppressWarnings("unused")
  private static final List<String> LABELS_COVERED =
      List.of(
          Diagnosis.DNS_BOUND,
          Diagnosis.HANDSHAKE_BOUND,
          Diagnosis.SERVER_BOUND,
          Diagnosis.LOSS,
          Diagnosis.CONGESTION,
          Diagnosis.PATH_CHANGE,
          Diagnosis.CERT_EXPIRING,
          Diagnosis.THROUGHPUT_BOUND);
}
