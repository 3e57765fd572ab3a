package net.qoe.job.dedupe;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.UUID;
import net.qoe.job.window.SeriesAggregator;
import net.qoe.kafka.message.Measurement;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Lets the first measurement with a given {@code event_id} through and drops the others (probe
 * retries, spool replays), remembering each id for a TTL (processing time, default 24 h).
 *
 * <p>It runs keyed by series ({@link #keyOf}, the same key as the windows): an event id always
 * belongs to one series (a retry or replay resends the same measurement), so the ids seen are kept
 * per series in a map state with the time each one expires; one processing-time timer per series at
 * a time forgets the expired ones. (Flink's state TTL on the map state did the same job, but the
 * benchmark spent almost three times the CPU per measurement with it.) The windows downstream reuse
 * this partitioning ({@code DataStreamUtils.reinterpretAsKeyedStream}) instead of shuffling every
 * measurement a second time.
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

  /** Per series: the ids seen within the TTL and when (processing time) each expires. */
  private transient MapState<Tuple2<Long, Long>, Long> seen;

  private transient Counter duplicates;

  public DropDuplicates(Duration ttl) {
    this.ttl = ttl;
  }

  /** The type of {@link #keyOf}. */
  public static final TypeInformation<String> KEY_TYPE = Types.STRING;

  /** The type of {@link #eventIdOf}. */
  public static final TypeInformation<Tuple2<Long, Long>> EVENT_ID_TYPE =
      Types.TUPLE(Types.LONG, Types.LONG);

  /**
   * The key this function runs under: the series ({@link SeriesAggregator#keyOf}), so that the
   * series windows can run on the same partitioning.
   */
  public static String keyOf(Measurement m) {
    return SeriesAggregator.keyOf(m);
  }

  /**
   * The event id as 128 bits. Probes send UUIDs, whose bits are taken as they are (no two distinct
   * UUIDs share a key); any other id is hashed to a name-based UUID (MD5; a collision is about as
   * likely as 2^-122 per pair). Two longs instead of the 36-character string make the heap state a
   * third smaller and checkpointing it several times cheaper: a string is written one character at
   * a time.
   */
  public static Tuple2<Long, Long> eventIdOf(Measurement m) {
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
    seen =
        getRuntimeContext()
            .getMapState(new MapStateDescriptor<>("seen-event-ids", EVENT_ID_TYPE, Types.LONG));
    duplicates = getRuntimeContext().getMetricGroup().counter("duplicates");
  }

  @Override
  public void processElement(Measurement m, Context ctx, Collector<Measurement> out)
      throws Exception {
    long now = ctx.timerService().currentProcessingTime();
    Tuple2<Long, Long> id = eventIdOf(m);
    Long expiry = seen.get(id);
    if (expiry != null && expiry > now) {
      duplicates.inc();
      return;
    }
    // an empty map has no cleanup pending: this entry schedules the next one
    boolean schedule = expiry == null && seen.isEmpty();
    long expiresAt = now + ttl.toMillis();
    seen.put(id, expiresAt);
    if (schedule) {
      scheduleCleanup(ctx.timerService(), expiresAt);
    }
    out.collect(m);
  }

  /** Forgets the series' expired ids and schedules the next cleanup while any are left. */
  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<Measurement> out)
      throws Exception {
    long now = ctx.timerService().currentProcessingTime();
    long next = Long.MAX_VALUE;
    Iterator<Map.Entry<Tuple2<Long, Long>, Long>> it = seen.iterator();
    while (it.hasNext()) {
      long expiresAt = it.next().getValue();
      if (expiresAt <= now) {
        it.remove();
      } else {
        next = Math.min(next, expiresAt);
      }
    }
    if (next == Long.MAX_VALUE) {
      seen.clear(); // no empty map left behind for a series that has gone quiet
    } else {
      scheduleCleanup(ctx.timerService(), next);
    }
  }

  /**
   * One cleanup timer per series at a time, at {@code expiresAt} rounded up to an eighth of the
   * TTL: an id is kept at most that much longer than its TTL (it is no longer a duplicate once
   * expired, whether removed or not), and each id is looked at by a cleanup at most about eight
   * times.
   */
  private void scheduleCleanup(TimerService timers, long expiresAt) {
    long slack = Math.max(1, ttl.toMillis() / 8);
    long at = Math.max(expiresAt, timers.currentProcessingTime() + 1);
    at = (at / slack + (at % slack == 0 ? 0 : 1)) * slack;
    timers.registerProcessingTimeTimer(at);
  }
}
