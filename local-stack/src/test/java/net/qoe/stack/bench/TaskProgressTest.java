package net.qoe.stack.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;

class TaskProgressTest {

  private static MetricGroup group(Map<String, String> variables) {
    return new UnregisteredMetricsGroup() {
      @Override
      public Map<String, String> getAllVariables() {
        return variables;
      }
    };
  }

  @Test
  void keepsTheTasksRecordsInButNotAnOperatorsOrOtherCounters() {
    Map<String, String> task =
        Map.of(
            "<job_id>", "j1", "<task_name>", "dedupe and series windows", "<subtask_index>", "0");
    Map<String, String> operator =
        Map.of(
            "<job_id>",
            "j1",
            "<task_name>",
            "dedupe and series windows",
            "<subtask_index>",
            "0",
            "<operator_name>",
            "dedupe and series windows");

    assertThat(TaskProgress.Reporter.keyOf("numRecordsIn", group(task)))
        .isEqualTo(TaskProgress.key("j1", "dedupe and series windows", "0"));
    assertThat(TaskProgress.Reporter.keyOf("numRecordsIn", group(operator))).isNull();
    assertThat(TaskProgress.Reporter.keyOf("numRecordsOut", group(task))).isNull();
    assertThat(TaskProgress.Reporter.keyOf("numRecordsIn", group(Map.of()))).isNull();
  }

  @Test
  void sumsTheSubtasksOfTheNamedTaskOfTheJobOnly() {
    Counter a = new SimpleCounter();
    a.inc(1200);
    Counter b = new SimpleCounter();
    b.inc(800);
    Counter other = new SimpleCounter();
    other.inc(99_999);
    Map<String, Counter> counters =
        Map.of(
            TaskProgress.key("j1", "dedupe and series windows -> (runs)", "0"), a,
            TaskProgress.key("j1", "dedupe and series windows -> (runs)", "1"), b,
            TaskProgress.key("j2", "dedupe and series windows -> (runs)", "0"), other,
            TaskProgress.key("j1", "correlate by target", "0"), other);

    assertThat(TaskProgress.recordsIn(counters, "j1", "dedupe and series windows")).hasValue(2000);
    assertThat(TaskProgress.recordsIn(counters, "j3", "dedupe and series windows")).isEmpty();
    assertThat(TaskProgress.recordsIn(counters, "j1", "baselines")).isEmpty();
  }

  @Test
  void interpolatesWhenACountWasReachedAndTheRateBetweenTwo() {
    List<TaskProgress.Reading> r =
        List.of(
            new TaskProgress.Reading(0, 0),
            new TaskProgress.Reading(1_000_000_000L, 100),
            new TaskProgress.Reading(2_000_000_000L, 100), // a pause
            new TaskProgress.Reading(3_000_000_000L, 500));

    assertThat(TaskProgress.timeOf(r, 50)).hasValue(500_000_000.0);
    assertThat(TaskProgress.timeOf(r, 300)).hasValue(2_500_000_000.0);
    assertThat(TaskProgress.timeOf(r, 501)).isEmpty();
    // 50 -> 300 takes 0.5 s + 1 s pause + 0.5 s
    assertThat(TaskProgress.rateBetween(r, 50, 300).getAsDouble()).isCloseTo(125.0, within(1e-9));
    assertThat(TaskProgress.rateBetween(r, 300, 600)).isEmpty();
  }
}
