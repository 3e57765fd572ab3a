package net.qoe.job.dedupe;

import java.time.Duration;
import net.qoe.kafka.message.Measurement;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Lets the first measurement with a given {@code event_id} through and drops the others (probe
 * retries, spool replays), remembering each id for a TTL (processing time, default 24 h).
 *
 * <p>Duplicates are counted ("duplicates") but not sent to the dead-letter topic: they are not bad
 * records, their content has already been counted once, and a spool replay after an outage would
 * otherwise flood the DLQ and bury the records that really need a look. The counter keeps them from
 * being dropped silently.
 *
 * <p>The seen-ids state is checkpointed together with the window state downstream, so after a
 * restore both roll back to the same point: a record replayed from Kafka after a crash is not
 * mistaken for a duplicate of one whose window was lost.
 */
public final class DropDuplicates extends KeyedProcessFunction<String, Measurement, Measurement> {

  private static final long serialVersionUID = 1L;

  private final Duration ttl;

  private transient ValueState<Boolean> seen;
  private transient Counter duplicates;

  public DropDuplicates(Duration ttl) {
    this.ttl = ttl;
  }

  /** The dedupe key. */
  public static String keyOf(Measurement m) {
    return m.eventId();
  }

  @Override
  public void open(OpenContext openContext) {
    ValueStateDescriptor<Boolean> descriptor =
        new ValueStateDescriptor<>("seen-event-id", Types.BOOLEAN);
    descriptor.enableTimeToLive(
        StateTtlConfig.newBuilder(ttl)
            .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
            .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
            .build());
    seen = getRuntimeContext().getState(descriptor);
    duplicates = getRuntimeContext().getMetricGroup().counter("duplicates");
  }

  @Override
  public void processElement(Measurement m, Context ctx, Collector<Measurement> out)
      throws Exception {
    if (seen.value() != null) {
      duplicates.inc();
      return;
    }
    seen.update(Boolean.TRUE);
    out.collect(m);
  }
}
