package net.qoe.job.testing;

import java.util.Map;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.metrics.groups.InternalOperatorMetricGroup;
import org.apache.flink.runtime.metrics.util.InterceptingOperatorMetricGroup;
import org.apache.flink.runtime.metrics.util.InterceptingTaskMetricGroup;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.runtime.operators.testutils.MockEnvironmentBuilder;

/** A task metric group for operator test harnesses that keeps what the operator registers. */
public final class CapturedMetrics extends InterceptingTaskMetricGroup {

  private final InterceptingOperatorMetricGroup operator = new InterceptingOperatorMetricGroup();

  @Override
  public InternalOperatorMetricGroup getOrAddOperator(
      OperatorID operatorID, String name, Map<String, String> additionalVariables) {
    return operator;
  }

  public MockEnvironment environment() {
    return new MockEnvironmentBuilder().setMetricGroup(this).build();
  }

  public Metric metric(String name) {
    return operator.get(name);
  }

  public long count(String counter) {
    Metric m = operator.get(counter);
    if (m == null) {
      throw new AssertionError("no metric named " + counter);
    }
    return ((Counter) m).getCount();
  }
}
