package net.qoe.job.dedupe;

import java.io.IOException;
import net.qoe.job.types.CodecSerializer;
import net.qoe.job.types.CodecTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * The event ids one series has seen, each with the time (processing time) it expires: a hash table
 * of 128-bit ids in one {@code long[]} (id high bits, low bits, expiry per slot; open addressing,
 * linear probing, at most half full: most lookups are of new ids, and an unsuccessful search in a
 * fuller table probes several slots).
 *
 * <p>It replaces a map state of boxed ids, which cost five objects and about 130 bytes of heap per
 * id, all of them surviving into the old generation and copied by every young collection on the
 * way; here an id is 24 bytes of one array (48 to 96 with the free slots). Expired ids stay until
 * {@link #removeExpired} rebuilds the table (like the map's entries stayed until the cleanup
 * timer), but an id that is looked up after it expired is no longer a duplicate.
 *
 * <p>Mutable. On the heap state backend the object in the state is the one updated in place (Flink
 * copies it with {@link Serializer#copy} before a checkpoint could see a change); it is only used
 * there, never on RocksDB, which would rewrite the whole table on every id.
 */
public final class SeenIds {

  /** What {@link #expiryOf} says for an id not held; also the mark of a free slot. */
  public static final long ABSENT = Long.MIN_VALUE;

  private static final long FREE = ABSENT;

  private static final int MIN_SLOTS = 8;

  /** Per slot: high bits, low bits, expiry ({@link #FREE} when the slot is free). */
  private long[] table;

  private int size;

  public SeenIds() {
    this(MIN_SLOTS);
  }

  private SeenIds(int slots) {
    table = new long[slots * 3];
    for (int i = 2; i < table.length; i += 3) {
      table[i] = FREE;
    }
  }

  private SeenIds(SeenIds from) {
    table = from.table.clone();
    size = from.size;
  }

  public int size() {
    return size;
  }

  public boolean isEmpty() {
    return size == 0;
  }

  private int slots() {
    return table.length / 3;
  }

  private static int hash(long high, long low) {
    long h = high * 0x9E3779B97F4A7C15L ^ low;
    h ^= h >>> 33;
    h *= 0xFF51AFD7ED558CCDL;
    h ^= h >>> 33;
    return (int) h;
  }

  /** The table position of the id's slot, or of the free slot where it would go. */
  private int find(long high, long low) {
    int mask = slots() - 1;
    int slot = hash(high, low) & mask;
    while (true) {
      int at = slot * 3;
      if (table[at + 2] == FREE || (table[at] == high && table[at + 1] == low)) {
        return at;
      }
      slot = (slot + 1) & mask;
    }
  }

  /** Whether the id is held, expired or not. */
  public boolean contains(long high, long low) {
    return table[find(high, low) + 2] != FREE;
  }

  /** When the id expires, {@link #ABSENT} when it is not held. */
  public long expiryOf(long high, long low) {
    return table[find(high, low) + 2];
  }

  /** Holds the id until {@code expiresAt}, replacing any earlier expiry. */
  public void put(long high, long low, long expiresAt) {
    if (expiresAt == FREE) {
      throw new IllegalArgumentException("expiry out of range: " + expiresAt);
    }
    int at = find(high, low);
    if (table[at + 2] == FREE) {
      if ((size + 1) * 2L > slots()) {
        grow();
        at = find(high, low);
      }
      table[at] = high;
      table[at + 1] = low;
      size++;
    }
    table[at + 2] = expiresAt;
  }

  private void grow() {
    long[] old = table;
    table = new SeenIds(slots() * 2).table;
    reinsert(old);
  }

  private void reinsert(long[] old) {
    for (int i = 0; i < old.length; i += 3) {
      if (old[i + 2] != FREE) {
        int at = find(old[i], old[i + 1]);
        table[at] = old[i];
        table[at + 1] = old[i + 1];
        table[at + 2] = old[i + 2];
      }
    }
  }

  /**
   * Forgets the ids that expired at or before {@code now}.
   *
   * @return the earliest expiry of the ids left, {@link Long#MAX_VALUE} when none are
   */
  public long removeExpired(long now) {
    long[] old = table;
    int left = 0;
    long next = Long.MAX_VALUE;
    for (int i = 0; i < old.length; i += 3) {
      long expiresAt = old[i + 2];
      if (expiresAt != FREE && expiresAt > now) {
        left++;
        next = Math.min(next, expiresAt);
      } else {
        old[i + 2] = FREE;
      }
    }
    table = new SeenIds(slotsFor(left)).table;
    size = left;
    reinsert(old);
    return next;
  }

  /** A deep copy. */
  public SeenIds copy() {
    return new SeenIds(this);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof SeenIds other) || other.size != size) {
      return false;
    }
    for (int i = 0; i < table.length; i += 3) {
      if (table[i + 2] != FREE
          && (!other.contains(table[i], table[i + 1])
              || other.expiryOf(table[i], table[i + 1]) != table[i + 2])) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    int h = size;
    for (int i = 0; i < table.length; i += 3) {
      if (table[i + 2] != FREE) {
        h += hash(table[i], table[i + 1]) ^ Long.hashCode(table[i + 2]);
      }
    }
    return h;
  }

  @Override
  public String toString() {
    return "SeenIds[" + size + " ids, " + slots() + " slots]";
  }

  public static final TypeInformation<SeenIds> TYPE =
      new CodecTypeInfo<>(SeenIds.class, new Serializer());

  /**
   * Format (version 1): a version byte, the number of ids (int), then per id its high bits, low
   * bits and expiry (three longs), in table order.
   */
  public static final class Serializer extends CodecSerializer<SeenIds> {
    private static final long serialVersionUID = 1L;
    private static final byte VERSION = 1;

    @Override
    public boolean isImmutableType() {
      return false;
    }

    @Override
    public SeenIds createInstance() {
      return new SeenIds();
    }

    @Override
    public SeenIds copy(SeenIds from) {
      return from == null ? null : from.copy();
    }

    @Override
    protected void write(SeenIds ids, DataOutputView out) throws IOException {
      out.writeByte(VERSION);
      out.writeInt(ids.size);
      long[] t = ids.table;
      for (int i = 0; i < t.length; i += 3) {
        if (t[i + 2] != FREE) {
          out.writeLong(t[i]);
          out.writeLong(t[i + 1]);
          out.writeLong(t[i + 2]);
        }
      }
    }

    @Override
    protected SeenIds read(DataInputView in) throws IOException {
      byte version = in.readByte();
      if (version != VERSION) {
        throw new IOException("SeenIds written in format " + version + ", this job reads 1");
      }
      int n = in.readInt();
      if (n < 0) {
        throw new IOException("negative number of ids: " + n);
      }
      SeenIds ids = new SeenIds(slotsFor(n));
      for (int i = 0; i < n; i++) {
        ids.put(in.readLong(), in.readLong(), in.readLong());
      }
      return ids;
    }

    @Override
    public TypeSerializerSnapshot<SeenIds> snapshotConfiguration() {
      return new Snapshot();
    }
  }

  /** Restores {@link Serializer} from checkpoints and savepoints. */
  public static final class Snapshot extends SimpleTypeSerializerSnapshot<SeenIds> {
    public Snapshot() {
      super(Serializer::new);
    }
  }

  /** The smallest table that holds {@code ids} at most half full. */
  static int slotsFor(int ids) {
    int slots = MIN_SLOTS;
    while (ids * 2L > slots) {
      slots *= 2;
    }
    return slots;
  }
}
