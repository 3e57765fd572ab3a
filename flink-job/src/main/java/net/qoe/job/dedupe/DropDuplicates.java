package net.qoe.job.dedupe;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import net.qoe.kafka.message.Measurement;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
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
public final class DropDuplicates
    extends KeyedProcessFunction<Tuple2<Long, Long>, Measurement, Measurement> {

  private static final long serialVersionUID = 1L;

  private final Duration ttl;

  private transient ValueState<Boolean> seen;
  private transient Counter duplicates;

  public DropDuplicates(Duration ttl) {
    this.ttl = ttl;
  }

  /** The type of {@link #keyOf}. */
  public static final TypeInformation<Tuple2<Long, Long>> KEY_TYPE =
      Types.TUPLE(Types.LONG, Types.LONG);

  /**
   * The dedupe key: the event id as 128 bits. Probes send UUIDs, whose bits are taken as they are
   * (no two distinct UUIDs share a key); any other id is hashed to a name-based UUID (MD5; a
   * collision is about as likely as 2^-122 per pair). Two longs instead of the 36-character string
   * make the heap state a third smaller and checkpointing it several times cheaper: a string key is
   * written one character at a time.
   */
  public static Tuple2<Long, Long> keyOf(Measurement m) {
    String id = m.eventId();
    UUID uuid = null;
    if (id.length() == 36) {
      try {
        uuid = UUID.fromString(id);
        if (!uuid.toString().equals(id)) {
          uuid = null; // upper case or otherwise not canonical: hash it like any other id
        }
      } catch (IllegalArgumentException e) {
        uuid = null;
      }
    }
    if (uuid == null) {
      uuid = UUID.nameUUIDFromBytes(id.getBytes(StandardCharsets.UTF_8));
    }
    return Tuple2.of(uuid.getMostSignificantBits(), uuid.getLeastSignificantBits());
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
