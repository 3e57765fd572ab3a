package net.qoe.job.escalation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import net.qoe.job.testing.CapturedMetrics;
import net.qoe.job.window.SeriesKeys;
import net.qoe.kafka.message.Measurement;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class FastPathRunsTest {

  private static final long T0 = 1_767_225_600_000L;
  private final AutoPerfConfig config = AutoPerfConfig.defaults();

  @Test
  void passesOnHardBreachesAndTheFirstHealthyRunAfterOneAsSlimViews() throws Exception {
    CapturedMetrics metrics = new CapturedMetrics();
    try (var h = harness(metrics, null)) {
      send(h, http("web", 80, 0));
      send(h, http("web", 90, 1));
      assertThat(out(h)).isEmpty();
      send(h, http("web", 2600, 2)); // over the 2000 ms threshold
      send(h, failed("web", "http", 3));
      send(h, http("web", 85, 4)); // ends the streak
      send(h, http("web", 70, 5));
      send(h, http("web", 75, 6));

      List<Measurement> out = out(h);
      assertThat(out).extracting(Measurement::tsMs).containsExactly(T0 + 2, T0 + 3, T0 + 4);
      Measurement slow = out.get(0);
      assertThat(slow.rttMs()).isNull();
      assertThat(slow.metrics()).containsOnlyKeys("total_ms");
      assertThat(new Thresholds(config).hardBreach(slow)).isNotNull();
      assertThat(metrics.count("hardBreaches")).isEqualTo(2);
      assertThat(metrics.count("recoveries")).isEqualTo(1);
    }
  }

  @Test
  void eachSeriesFollowsItsOwnLastRun() throws Exception {
    try (var h = harness(new CapturedMetrics(), null)) {
      send(h, failed("web", "http", 0));
      send(h, tcp("web", true, 1)); // tcp's last run was never a breach
      send(h, failed("db", "http", 2));
      send(h, http("web", 80, 3));
      send(h, tcp("web", true, 4));
      assertThat(out(h))
          .extracting(m -> m.target() + "/" + m.test() + "@" + (m.tsMs() - T0))
          .containsExactly("web/http@0", "db/http@2", "web/http@3");
    }
  }

  @Test
  void aBreachBeforeARestoreStillLetsTheNextHealthyRunThrough() throws Exception {
    OperatorSubtaskState snapshot;
    try (var h = harness(new CapturedMetrics(), null)) {
      send(h, failed("web", "http", 0));
      snapshot = h.snapshot(1, T0);
    }
    try (var h = harness(new CapturedMetrics(), snapshot)) {
      send(h, http("web", 80, 1));
      send(h, http("web", 80, 2));
      assertThat(out(h)).extracting(Measurement::tsMs).containsExactly(T0 + 1);
    }
  }

  /** The escalator decides the same whether it sees every run or only those passed on. */
  @Test
  void theEscalatorDecidesAsIfItSawEveryRun() throws Exception {
    Random random = new Random(7);
    List<String> tests = List.of("http", "tcp", "udp");
    for (int round = 0; round < 40; round++) {
      List<Measurement> runs = new ArrayList<>();
      double failing = random.nextDouble() * 0.6;
      for (int i = 0; i < 120; i++) {
        String test = tests.get(random.nextInt(tests.size()));
        String target = random.nextBoolean() ? "web" : "db";
        boolean ok = random.nextDouble() >= failing;
        runs.add(
            test.equals("http") && ok
                ? http(target, random.nextDouble() < failing ? 2500 : 90, i * 5_000L)
                : run(target, test, ok, i * 5_000L));
      }
      List<Measurement> passed = new ArrayList<>();
      try (var h = harness(new CapturedMetrics(), null)) {
        for (Measurement m : runs) {
          send(h, m);
        }
        passed.addAll(out(h));
      }
      assertThat(decisions(passed)).as("round %d", round).isEqualTo(decisions(runs));
    }
  }

  private List<String> decisions(List<Measurement> runs) throws Exception {
    try (var h = TierEscalatorTest.harness(config)) {
      for (Measurement m : runs) {
        h.processElement2(m, m.tsMs());
      }
      return h.extractOutputValues().stream()
          .map(t -> t.target() + " " + t.fromTier() + "->" + t.toTier() + " " + t.reason())
          .toList();
    }
  }

  private static KeyedOneInputStreamOperatorTestHarness<String, Measurement, Measurement> harness(
      CapturedMetrics metrics, OperatorSubtaskState restore) throws Exception {
    var h =
        new KeyedOneInputStreamOperatorTestHarness<>(
            new KeyedProcessOperator<>(new FastPathRuns(AutoPerfConfig.defaults())),
            SeriesKeys::keyOf,
            Types.STRING,
            metrics.environment());
    if (restore != null) {
      h.initializeState(restore);
    }
    h.open();
    return h;
  }

  private static void send(
      KeyedOneInputStreamOperatorTestHarness<String, Measurement, Measurement> h, Measurement m)
      throws Exception {
    h.processElement(m, m.tsMs());
  }

  private static List<Measurement> out(
      KeyedOneInputStreamOperatorTestHarness<String, Measurement, Measurement> h) {
    return h.extractOutputValues();
  }

  private static Measurement http(String target, double totalMs, long offsetMs) {
    return new Measurement(
        1,
        UUID.randomUUID().toString(),
        "probe-a",
        target,
        "http",
        1,
        T0 + offsetMs,
        true,
        null,
        List.of(1.0, 2.0),
        null,
        null,
        Map.of("total_ms", totalMs, "dns_ms", 1.0, "connect_ms", 2.0));
  }

  private static Measurement tcp(String target, boolean ok, long offsetMs) {
    return run(target, "tcp", ok, offsetMs);
  }

  private static Measurement failed(String target, String test, long offsetMs) {
    return run(target, test, false, offsetMs);
  }

  private static Measurement run(String target, String test, boolean ok, long offsetMs) {
    return TierEscalatorTest.testRun(target, test, ok, T0 + offsetMs);
  }
}
