package net.qoe.job.escalation;

import net.qoe.kafka.message.Measurement;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Picks, per series, the unique runs the escalator's fast path needs, in the keyed task that
 * deduplicated them: every hard breach, and the first healthy run after one, which ends that test's
 * streak. A healthy run after a healthy run changes nothing there, and that is nearly every run, so
 * the escalator (keyed by probe, across the network) no longer receives them all. What it is sent
 * is the slim {@link Thresholds#fastPathView}.
 *
 * <p>State per series: whether its last run was a hard breach, kept only while it was.
 */
public final class FastPathRuns extends KeyedProcessFunction<String, Measurement, Measurement> {

  private static final long serialVersionUID = 1L;

  private final AutoPerfConfig config;
  private transient Thresholds thresholds;
  private transient ValueState<Boolean> lastBreached;
  private transient Counter breaches;
  private transient Counter recoveries;

  public FastPathRuns(AutoPerfConfig config) {
    this.config = config;
  }

  @Override
  public void open(OpenContext openContext) {
    thresholds = new Thresholds(config);
    lastBreached =
        getRuntimeContext()
            .getState(new ValueStateDescriptor<>("last-run-breached", Types.BOOLEAN));
    breaches = getRuntimeContext().getMetricGroup().counter("hardBreaches");
    recoveries = getRuntimeContext().getMetricGroup().counter("recoveries");
  }

  @Override
  public void processElement(Measurement m, Context ctx, Collector<Measurement> out)
      throws Exception {
    if (thresholds.isHardBreach(m)) {
      breaches.inc();
      if (lastBreached.value() == null) {
        lastBreached.update(Boolean.TRUE);
      }
      out.collect(Thresholds.fastPathView(m));
    } else if (lastBreached.value() != null) {
      recoveries.inc();
      lastBreached.clear();
      out.collect(Thresholds.fastPathView(m));
    }
  }
}
