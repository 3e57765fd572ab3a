package net.qoe.stack.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class JobBenchmarkRoundsTest {

  @Test
  void theMedianOfAnOddCountIsTheMiddleValueAndOfAnEvenCountTheMeanOfTheMiddleTwo() {
    assertThat(JobBenchmark.median(new double[] {0.51, 0.44, 0.47})).isEqualTo(0.47);
    assertThat(JobBenchmark.median(new double[] {0.40, 0.50, 0.44, 0.46})).isEqualTo(0.45);
    assertThat(JobBenchmark.median(new double[] {0.3})).isEqualTo(0.3);
    assertThatThrownBy(() -> JobBenchmark.median(new double[0]))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theMedianLeavesItsInputInOrder() {
    double[] shares = {0.51, 0.44, 0.47};
    JobBenchmark.median(shares);
    assertThat(shares).containsExactly(0.51, 0.44, 0.47);
  }

  @Test
  void eachRoundIsAShareOfItsOwnPlainConsumerAndTheSummaryGivesTheirMedians() {
    List<JobBenchmark.Round> rounds =
        List.of(
            new JobBenchmark.Round(600_000, 620_000, 270_000, OptionalDouble.of(300_000)),
            new JobBenchmark.Round(500_000, 520_000, 250_000, OptionalDouble.of(260_000)),
            new JobBenchmark.Round(580_000, 600_000, 255_200, OptionalDouble.empty()));
    assertThat(rounds.get(1).share()).isEqualTo(0.5);
    assertThat(rounds.get(2).steadyShare()).isEmpty();

    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    PrintStream out = System.out;
    System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
    try {
      JobBenchmark.summarize(rounds);
    } finally {
      System.setOut(out);
    }
    String text = printed.toString(StandardCharsets.UTF_8);
    // shares 45.0, 50.0 and 44.0 %: median 45.0; steady 48.4 and 50.0 %: median 49.2
    assertThat(text)
        .contains("round 2: job 250,000/s of 500,000/s = 50.0 %")
        .contains("round 3: job 255,200/s of 580,000/s = 44.0 %; steady not measured")
        .contains("median share of the plain consumer over 3 rounds: 45.0 % (range 44.0-50.0)")
        .contains("steady 49.2 % (range 48.4-50.0, 2 rounds)");
  }
}
