package net.qoe.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.qoe.job.baseline.BaselinePolicy;
import net.qoe.job.diagnosis.DiagnosedWindow;
import net.qoe.job.diagnosis.Diagnosis;
import net.qoe.job.window.SeriesAccumulator;
import net.qoe.job.window.SeriesAggregate;
import net.qoe.kafka.message.Measurement;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;

/**
 * The job's baseline, diagnosis and scope stages ({@link QoeJob#diagnose}) on a local Flink, with
 * Kryo disabled, at parallelism 2: three probes measure two targets; after a warm-up, one target
 * degrades for every probe, later one probe degrades towards every target.
 */
class DiagnosisPipelineTest {

  private static final long MINUTE = 60_000;
  private static final long T0 = 1_767_225_600_000L;
  private static final List<String> PROBES = List.of("p1", "p2", "p3");
  private static final List<String> TARGETS = List.of("web", "api");

  @Test
  void scoresDiagnosesAndScopesAcrossProbesAndTargets() throws Exception {
    Configuration conf = new Configuration();
    conf.set(PipelineOptions.GENERIC_TYPES, false);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    env.setParallelism(2);

    Random random = new Random(11);
    List<SeriesAggregate> input = new ArrayList<>();
    for (int w = 0; w < 42; w++) {
      for (String probe : PROBES) {
        for (String target : TARGETS) {
          boolean targetDown = w == 40 && target.equals("web");
          boolean probeDown = w == 41 && probe.equals("p3");
          double base = 40 + random.nextGaussian();
          input.add(window(probe, target, w, targetDown || probeDown ? 6 * base : base));
        }
      }
    }
    var aggregates =
        env.fromData(SeriesAggregate.TYPE, input.toArray(new SeriesAggregate[0]))
            .assignTimestampsAndWatermarks(
                WatermarkStrategy.<SeriesAggregate>forMonotonousTimestamps()
                    .withTimestampAssigner((a, ts) -> a.windowEndMs() - 1));
    BaselinePolicy policy = BaselinePolicy.defaults();
    List<DiagnosedWindow> out = new ArrayList<>();
    try (CloseableIterator<DiagnosedWindow> it =
        QoeJob.diagnose(aggregates, policy, Duration.ZERO, 7).executeAndCollect()) {
      it.forEachRemaining(out::add);
    }

    assertThat(out).hasSameSizeAs(input);
    // warm-up: nothing scored for the first 20 windows of a series
    assertThat(out.stream().filter(d -> start(d) < 20).allMatch(d -> d.scored().scores().isEmpty()))
        .isTrue();
    assertThat(out.stream().filter(d -> start(d) >= 20 && start(d) < 40))
        .allMatch(d -> !d.degraded() && d.scope() == null && !d.scored().scores().isEmpty());

    List<DiagnosedWindow> web40 =
        out.stream().filter(d -> start(d) == 40 && d.aggregate().target().equals("web")).toList();
    assertThat(web40).hasSize(3);
    assertThat(web40)
        .allSatisfy(
            d -> {
              assertThat(d.scored().anomalous()).isTrue();
              assertThat(d.label()).isEqualTo(Diagnosis.LATENCY);
              assertThat(d.scope()).isEqualTo(DiagnosedWindow.SCOPE_TARGET);
              assertThat(d.degradedProbes()).isEqualTo(3);
              assertThat(d.reason()).contains("3 of 3 probes degraded towards web");
            });

    List<DiagnosedWindow> p3at41 =
        out.stream().filter(d -> start(d) == 41 && d.aggregate().probeId().equals("p3")).toList();
    assertThat(p3at41).hasSize(2);
    assertThat(p3at41)
        .allSatisfy(d -> assertThat(d.scope()).isEqualTo(DiagnosedWindow.SCOPE_PROBE));
    // the degraded window 40 did not teach web's baseline: p1 -> web at 41 is normal again
    assertThat(
            out.stream()
                .filter(d -> start(d) == 41 && !d.aggregate().probeId().equals("p3"))
                .allMatch(d -> !d.degraded()))
        .isTrue();
  }

  private static long start(DiagnosedWindow d) {
    return (d.aggregate().windowStartMs() - T0) / MINUTE;
  }

  private static SeriesAggregate window(String probe, String target, int w, double totalMs) {
    long start = T0 + w * MINUTE;
    SeriesAccumulator acc = new SeriesAccumulator();
    for (int i = 0; i < 4; i++) {
      acc.add(
          new Measurement(
              1,
              probe + target + w + "-" + i,
              probe,
              target,
              "http",
              1,
              start + i * 1000,
              true,
              null,
              null,
              null,
              null,
              Map.of("total_ms", totalMs * (1 + 0.01 * i))));
    }
    return acc.toAggregate(start, start + MINUTE);
  }
}
