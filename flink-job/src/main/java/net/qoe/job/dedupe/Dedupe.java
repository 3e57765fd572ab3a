package net.qoe.job.dedupe;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.UUID;
import net.qoe.job.window.SeriesKeys;
import net.qoe.kafka.message.Measurement;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.TimerService;

/**
 * Lets the first measurement with a given {@code event_id} through and drops the others (probe
 * retries, spool replays), remembering each id for a TTL (processing time, default 24 h). It is the
 * first step of {@link net.qoe.job.window.SeriesWindows}, and runs with its state and timers.
 *
 * <p>It runs keyed by series ({@link SeriesKeys#keyOf}, the same key as the windows): an event id
 * always belongs to one series (a retry or replay resends the same measurement), so the ids seen
 * are kept per series with the time each one expires; one processing-time timer per series at a
 * time forgets the expired ones. (Flink's state TTL on a map state did the same job, but the
 * benchmark spent almost three times the CPU per measurement with it.) On the heap state backend
 * the ids of a series are one {@link SeenIds} table (24 bytes per id, updated in place); on RocksDB
 * they are a map state with one entry per id, so that each new id writes only itself. A table picks
 * up the map's entries the first time its series is seen, so state written by the map layout (an
 * earlier job version, or RocksDB) keeps its ids; the other way round, moving heap state to RocksDB
 * through a savepoint, the ids remembered so far are not carried over.
 *
 * <p>Duplicates are counted ("duplicates") but not sent to the dead-letter topic: they are not bad
 * records, their content has already been counted once, and a spool replay after an outage would
 * otherwise flood the DLQ and bury the records that really need a look. The counter keeps them from
 * being dropped silently.
 *
 * <p>The seen-ids state is checkpointed together with the window state of the same operator, so
 * after a restore both roll back to the same point: a record replayed from Kafka after a crash is
 * not mistaken for a duplicate of one whose window was lost.
 */
public final class Dedupe implements Serializable {

  private static final long serialVersionUID = 1L;

  private final Duration ttl;

  /** Whether the ids are kept in one {@link SeenIds} per series (heap) or one entry each. */
  private final boolean compact;

  /**
   * Per series: the ids seen within the TTL and when (processing time) each expires, one map entry
   * per id (the RocksDB layout; on the heap, state from before {@link #seenIds} to be adopted).
   */
  private transient MapState<Tuple2<Long, Long>, Long> seen;

  /** Per series, on the heap backend: the same in one compact table. */
  private transient ValueState<SeenIds> seenIds;

  private transient Counter duplicates;

  /** Dedupe for the heap state backend: the ids of a series in one {@link SeenIds} table. */
  public Dedupe(Duration ttl) {
    this(ttl, true);
  }

  private Dedupe(Duration ttl, boolean compact) {
    this.ttl = ttl;
    this.compact = compact;
  }

  /**
   * Dedupe laid out for the state backend: on the heap ({@code hashmap}) one compact table per
   * series, updated in place; on RocksDB one map entry per id, so that remembering an id writes
   * that id and not the series' whole table.
   */
  public static Dedupe forStateBackend(Duration ttl, String stateBackend) {
    return new Dedupe(ttl, !"rocksdb".equals(stateBackend));
  }

  /** The top three bits of the low half of a UUID: its variant. */
  private static final long HASHED_VARIANT_MASK = 0xE000_0000_0000_0000L;

  /** The variant a hashed (not canonical UUID) event id is given: 111, which RFC 4122 reserves. */
  private static final long HASHED_VARIANT = 0xE000_0000_0000_0000L;

  /** The type of {@link #eventIdOf}. */
  public static final TypeInformation<Tuple2<Long, Long>> EVENT_ID_TYPE =
      Types.TUPLE(Types.LONG, Types.LONG);

  /**
   * The event id as 128 bits. Probes send UUIDs, whose bits are taken as they are (no two distinct
   * UUIDs share a key); any other id is hashed to a name-based UUID (MD5; a collision is about as
   * likely as 2^-122 per pair) whose variant bits are then set to 111, a variant no RFC 4122 UUID
   * has, so that a hashed id never shares a key with a UUID sent as text. Two longs instead of the
   * 36-character string make the heap state a third smaller and checkpointing it several times
   * cheaper: a string is written one character at a time.
   */
  public static Tuple2<Long, Long> eventIdOf(Measurement m) {
    long[] bits = new long[2];
    readEventId(m.eventId(), bits);
    return Tuple2.of(bits[0], bits[1]);
  }

  /** {@link #eventIdOf} into {@code bits} (high, low), for the per-record path without a tuple. */
  private static void readEventId(String id, long[] bits) {
    if (!readCanonicalUuid(id, bits)) {
      UUID uuid = UUID.nameUUIDFromBytes(id.getBytes(StandardCharsets.UTF_8));
      bits[0] = uuid.getMostSignificantBits();
      // The variant bits 111 ("reserved for the future" in RFC 4122), where a name-based UUID has
      // 10: no UUID a probe or any RFC 4122 generator makes shares a key with a hashed id, not
      // even the name-based UUID of that very id sent as text.
      bits[1] = (uuid.getLeastSignificantBits() & ~HASHED_VARIANT_MASK) | HASHED_VARIANT;
    }
  }

  /**
   * Whether {@code id} is a UUID exactly as {@link UUID#toString} writes it: 36 characters, dashes
   * at 8, 13, 18 and 23, lower-case hex digits elsewhere. Those are the ids whose bits are taken as
   * they are (the same ones {@code UUID.fromString(id).toString().equals(id)} accepts, without
   * parsing and printing each id).
   */
  static boolean isCanonicalUuid(String id) {
    return readCanonicalUuid(id, new long[2]);
  }

  /**
   * {@link #isCanonicalUuid} and, when it is, its high and low bits into {@code bits}: one pass
   * over the characters instead of a check and then a parse. Each digit is looked up in {@link
   * #HEX} rather than told apart by comparisons: in random ids whether a character is a digit or a
   * letter cannot be predicted, and the branches that decided it made this a tenth of the keyed
   * task's time (220 ns per id, 51 ns this way).
   */
  private static boolean readCanonicalUuid(String id, long[] bits) {
    if (id.length() != 36
        || id.charAt(8) != '-'
        || id.charAt(13) != '-'
        || id.charAt(18) != '-'
        || id.charAt(23) != '-') {
      return false;
    }
    int invalid = 0; // negative once any character is not a lower-case hex digit
    long high = 0;
    for (int i = 0; i < 18; i++) {
      if (i != 8 && i != 13) {
        int digit = hexDigit(id.charAt(i));
        invalid |= digit;
        high = high << 4 | (digit & 0xF);
      }
    }
    long low = 0;
    for (int i = 19; i < 36; i++) {
      if (i != 23) {
        int digit = hexDigit(id.charAt(i));
        invalid |= digit;
        low = low << 4 | (digit & 0xF);
      }
    }
    if (invalid < 0) {
      return false;
    }
    bits[0] = high;
    bits[1] = low;
    return true;
  }

  /** The value of each lower-case hex digit, -1 for every other character below 128. */
  private static final byte[] HEX = new byte[128];

  static {
    Arrays.fill(HEX, (byte) -1);
    for (char c = '0'; c <= '9'; c++) {
      HEX[c] = (byte) (c - '0');
    }
    for (char c = 'a'; c <= 'f'; c++) {
      HEX[c] = (byte) (c - 'a' + 10);
    }
  }

  private static int hexDigit(char c) {
    return c < HEX.length ? HEX[c] : -1;
  }

  /** The bits of the id being looked up (one task thread per instance): no array per record. */
  private transient long[] idBits;

  /** Creates the state and the "duplicates" counter; called from the owning function's open. */
  public void open(RuntimeContext context) {
    seen =
        context.getMapState(new MapStateDescriptor<>("seen-event-ids", EVENT_ID_TYPE, Types.LONG));
    if (compact) {
      seenIds = context.getState(new ValueStateDescriptor<>("seen-ids", SeenIds.TYPE));
    }
    duplicates = context.getMetricGroup().counter("duplicates");
    idBits = new long[2];
  }

  /**
   * Whether {@code m} is the first measurement with its event id within the TTL, for the current
   * key (its series); remembers the id when it is. A duplicate is counted.
   */
  public boolean firstSeen(Measurement m, TimerService timers) throws Exception {
    if (compact) {
      return firstSeenCompact(m, timers);
    }
    long now = timers.currentProcessingTime();
    Tuple2<Long, Long> id = eventIdOf(m);
    Long expiry = seen.get(id);
    if (expiry != null && expiry > now) {
      duplicates.inc();
      return false;
    }
    // an empty map has no cleanup pending: this entry schedules the next one
    boolean schedule = expiry == null && seen.isEmpty();
    long expiresAt = now + ttl.toMillis();
    seen.put(id, expiresAt);
    if (schedule) {
      scheduleCleanup(timers, expiresAt);
    }
    return true;
  }

  /** {@link #firstSeen} on one {@link SeenIds} per series, with the same outcome. */
  private boolean firstSeenCompact(Measurement m, TimerService timers) throws Exception {
    long now = timers.currentProcessingTime();
    readEventId(m.eventId(), idBits);
    long high = idBits[0];
    long low = idBits[1];
    SeenIds ids = currentSeenIds();
    if (ids != null && ids.expiryOf(high, low) > now) {
      duplicates.inc();
      return false;
    }
    // an empty table has no cleanup pending: this id schedules the next one
    boolean schedule = ids == null || ids.isEmpty();
    long expiresAt = now + ttl.toMillis();
    if (ids == null) {
      ids = new SeenIds();
      ids.put(high, low, expiresAt);
      seenIds.update(ids);
    } else {
      ids.put(high, low, expiresAt); // in place: the heap backend holds this very object
    }
    if (schedule) {
      scheduleCleanup(timers, expiresAt);
    }
    return true;
  }

  /**
   * The series' table; null when it has none. Ids kept one entry each (state from a job version
   * before the table, or moved over from RocksDB) are taken into the table the first time the
   * series is seen, with their expiry; their cleanup timer is already registered.
   */
  private SeenIds currentSeenIds() throws Exception {
    SeenIds ids = seenIds.value();
    if (ids != null || seen.isEmpty()) {
      return ids;
    }
    ids = new SeenIds();
    for (Map.Entry<Tuple2<Long, Long>, Long> e : seen.entries()) {
      ids.put(e.getKey().f0, e.getKey().f1, e.getValue());
    }
    seen.clear();
    seenIds.update(ids);
    return ids;
  }

  /**
   * Forgets the current series' expired ids and schedules the next cleanup while any are left: the
   * owning function calls this on each of its processing-time timers (dedupe registers all of
   * them).
   */
  public void onCleanupTimer(TimerService timers) throws Exception {
    long now = timers.currentProcessingTime();
    if (compact) {
      SeenIds ids = currentSeenIds();
      if (ids == null) {
        return;
      }
      long next = ids.removeExpired(now);
      if (next == Long.MAX_VALUE) {
        seenIds.clear(); // nothing left behind for a series that has gone quiet
      } else {
        scheduleCleanup(timers, next);
      }
      return;
    }
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
      scheduleCleanup(timers, next);
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
