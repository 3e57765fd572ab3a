package net.qoe.probe.publish;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import net.qoe.kafka.message.Measurement;
import net.qoe.kafka.serde.MalformedMessageException;
import net.qoe.kafka.serde.MessageSerde;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded on-disk queue of measurements: append-only segment files ({@code spool-<seq>.seg}) of
 * length-prefixed {@link MessageSerde} bytes, read in the order they were written. A reader {@link
 * #peek}s entries and {@link #commit}s them once they are safely delivered; the read position is
 * kept in a small {@code head} file, so a restarted probe resumes where the last one stopped and
 * replays everything that was not acknowledged.
 *
 * <p>Bounded by bytes: when an append would exceed {@code maxBytes}, whole segments are dropped
 * oldest first, each dropped entry counted and the drop logged, because the newest measurements
 * describe the present and are the most useful after an outage.
 *
 * <p>A failed append (disk full, no inode left for a new segment) throws and leaves the spool as it
 * was: the bytes it wrote are cut off again, and the next append goes where the failed one would
 * have. Appends are not interruptible: an interrupted writer does not close the file for the
 * others.
 *
 * <p>Thread-safe; every method is synchronized (appends are small and local).
 */
public final class DiskSpool implements MeasurementSink {

  private static final Logger LOG = LoggerFactory.getLogger(DiskSpool.class);
  private static final String PREFIX = "spool-";
  private static final String SUFFIX = ".seg";
  private static final String HEAD = "head";
  private static final long MAX_SEGMENT_BYTES = 1 << 20;
  private static final long MIN_SEGMENT_BYTES = 4096;

  /**
   * One entry read from the spool, its size in the spool ({@code MessageSerde} bytes), and the
   * position just after it (to commit). The measurement is null for an unreadable entry.
   */
  public record Spooled(Measurement measurement, int bytes, Position next) {}

  /** A place in the spool: a segment and a byte offset in it. */
  public record Position(long segment, long offset) implements Comparable<Position> {
    @Override
    public int compareTo(Position o) {
      int c = Long.compare(segment, o.segment);
      return c != 0 ? c : Long.compare(offset, o.offset);
    }
  }

  private static final class Segment {
    final long seq;
    final Path file;
    long bytes;
    long entries; // entries not yet committed

    Segment(long seq, Path file) {
      this.seq = seq;
      this.file = file;
    }
  }

  private final Path dir;
  private final long maxBytes;
  private final long segmentBytes;
  private final Deque<Segment> segments = new ArrayDeque<>();
  private final AtomicLong appended = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private volatile long maxEntryBytes = Long.MAX_VALUE;
  private volatile String maxEntryReason = "";
  private Position head;
  // The file appends go to: the last segment, open for writing. Null when there is none yet, or
  // when a failed append could not be cut back; the next append then starts a new segment.
  private RandomAccessFile tail;
  private Segment tailSegment;
  private boolean closed;
  private boolean headUnsaved;

  private DiskSpool(Path dir, long maxBytes) {
    this.dir = dir;
    this.maxBytes = maxBytes;
    // At least four segments in the limit: the segment being delivered and the one being written
    // must fit together, or a small spool would drop an undelivered measurement to make room when
    // most of its bytes are already delivered ones.
    this.segmentBytes =
        Math.min(
            maxBytes / 4, Math.max(MIN_SEGMENT_BYTES, Math.min(MAX_SEGMENT_BYTES, maxBytes / 8)));
  }

  /** Opens (or creates) the spool in {@code dir}, keeping what an earlier probe left there. */
  public static DiskSpool open(Path dir, long maxBytes) {
    if (maxBytes < MIN_SEGMENT_BYTES) {
      throw new IllegalArgumentException("spool max_bytes must be at least " + MIN_SEGMENT_BYTES);
    }
    DiskSpool spool = new DiskSpool(dir, maxBytes);
    try {
      spool.load();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the spool in " + dir, e);
    }
    return spool;
  }

  private void load() throws IOException {
    Files.createDirectories(dir);
    List<Long> seqs = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      files.forEach(
          f -> {
            String n = f.getFileName().toString();
            if (n.startsWith(PREFIX) && n.endsWith(SUFFIX)) {
              try {
                seqs.add(
                    Long.parseLong(n.substring(PREFIX.length(), n.length() - SUFFIX.length())));
              } catch (NumberFormatException e) {
                LOG.warn("spool: ignoring {}", f);
              }
            }
          });
    }
    seqs.sort(null);
    head = readHead();
    for (long seq : seqs) {
      Segment s = new Segment(seq, segmentFile(seq));
      s.bytes = Files.size(s.file);
      if (seq < head.segment()) {
        Files.deleteIfExists(s.file); // fully committed before a crash
        continue;
      }
      long from = seq == head.segment() ? head.offset() : 0;
      s.entries = countEntries(s.file, from);
      segments.addLast(s);
    }
    if (!segments.isEmpty() && head.segment() < segments.peekFirst().seq) {
      head = new Position(segments.peekFirst().seq, 0);
    }
    if (entries() > 0) {
      LOG.info("spool: {} measurements ({} bytes) left in {} to replay", entries(), bytes(), dir);
    }
  }

  private Position readHead() throws IOException {
    try {
      String[] parts =
          Files.readString(dir.resolve(HEAD), StandardCharsets.US_ASCII).trim().split(" ");
      return new Position(Long.parseLong(parts[0]), Long.parseLong(parts[1]));
    } catch (NoSuchFileException e) {
      return new Position(0, 0);
    } catch (RuntimeException e) {
      LOG.warn("spool: unreadable head file in {}, replaying from the oldest segment", dir);
      return new Position(0, 0);
    }
  }

  /**
   * Writes the head file. A failure (disk full) is logged, not thrown: the head moves on in memory
   * and is saved with the next commit, so a full disk does not hold up delivery; a probe that dies
   * meanwhile replays a little more (delivery is at least once anyway).
   */
  private void saveHead() {
    try {
      writeHead();
      if (headUnsaved) {
        headUnsaved = false;
        LOG.info("spool: the read position in {} is saved again", dir);
      }
    } catch (IOException e) {
      if (!headUnsaved) {
        headUnsaved = true;
        LOG.warn(
            "spool: cannot save the read position in {} ({}); a restart would replay more",
            dir,
            e.toString());
      }
    }
  }

  private void writeHead() throws IOException {
    Path tmp = dir.resolve(HEAD + ".tmp");
    Files.writeString(tmp, head.segment() + " " + head.offset() + "\n", StandardCharsets.US_ASCII);
    try {
      Files.move(tmp, dir.resolve(HEAD), StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, dir.resolve(HEAD), StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private Path segmentFile(long seq) {
    return dir.resolve(String.format("%s%020d%s", PREFIX, seq, SUFFIX));
  }

  /**
   * From now on refuses measurements whose serialized form is larger than {@code bytes}, because
   * whoever reads the spool could never deliver them ({@code why} says so in the log line). Each
   * one refused is counted in {@link #refused()}.
   */
  public void refuseEntriesOver(long bytes, String why) {
    this.maxEntryReason = why;
    this.maxEntryBytes = bytes;
  }

  /** Appends a measurement; drops the oldest entries first when the spool is full. */
  @Override
  public synchronized void accept(Measurement measurement) {
    if (closed) {
      throw new IllegalStateException("spool closed");
    }
    byte[] bytes = MessageSerde.MEASUREMENT.toBytes(measurement);
    if (bytes.length > maxEntryBytes) {
      refused.incrementAndGet();
      LOG.warn(
          "spool: measurement {} ({} {}) is {} bytes, more than {} ({}); refused, not spooled"
              + " ({} refused so far)",
          measurement.eventId(),
          measurement.test(),
          measurement.target(),
          bytes.length,
          maxEntryBytes,
          maxEntryReason,
          refused.get());
      return;
    }
    long size = 4L + bytes.length;
    if (size > maxBytes) {
      dropped.incrementAndGet();
      LOG.warn(
          "spool: measurement {} of {} bytes is larger than the spool ({} bytes); dropped",
          measurement.eventId(),
          size,
          maxBytes);
      return;
    }
    try {
      while (bytes() + size > maxBytes && !segments.isEmpty()) {
        dropOldestSegment();
      }
      Segment last = segments.peekLast();
      if (tail == null
          || last == null
          || tailSegment != last
          || (last.bytes > 0 && last.bytes + size > segmentBytes)) {
        // With no segment left, start after the head's: one read from its offset would skip.
        long seq =
            last != null
                ? last.seq + 1
                : head.offset() > 0 ? head.segment() + 1 : Math.max(head.segment(), 0);
        last = newSegment(seq);
      }
      ByteBuffer buf = ByteBuffer.allocate((int) size);
      buf.putInt(bytes.length).put(bytes);
      long good = last.bytes;
      try {
        // RandomAccessFile, not a FileChannel: an interrupted writer would close a channel for
        // every other writer too.
        tail.seek(good);
        tail.write(buf.array());
      } catch (IOException e) {
        cutBack(last, good);
        throw e;
      }
      last.bytes += size;
      last.entries++;
      appended.incrementAndGet();
      notifyAll();
    } catch (IOException e) {
      dropped.incrementAndGet();
      throw new UncheckedIOException(
          "spool: cannot write measurement " + measurement.eventId() + " to " + dir, e);
    }
  }

  /**
   * After a failed append (disk full): cuts what it wrote off the tail again, so the next append
   * starts where it should and the reader stays in step with the records. When even that fails the
   * tail is closed and the next append starts a new segment; the reader stops at the cut record.
   */
  private void cutBack(Segment s, long good) {
    try {
      tail.setLength(good);
      tail.seek(good);
    } catch (IOException e) {
      LOG.warn(
          "spool: cannot cut a failed append off {} ({}); the next append starts a new segment",
          s.file,
          e.toString());
      try {
        s.bytes = Math.max(good, Files.size(s.file));
      } catch (IOException ignored) {
        // keep the last known size
      }
      closeTailQuietly();
    }
  }

  /**
   * Opens a new last segment. The old tail is closed only once the new file is open: when the open
   * fails (no inode, too many open files) appends carry on in the old one.
   */
  private Segment newSegment(long seq) throws IOException {
    Segment s = new Segment(seq, segmentFile(seq));
    RandomAccessFile file = new RandomAccessFile(s.file.toFile(), "rw");
    try {
      s.bytes = file.length();
    } catch (IOException e) {
      file.close();
      throw e;
    }
    closeTailQuietly();
    tail = file;
    tailSegment = s;
    segments.addLast(s);
    return s;
  }

  private void dropOldestSegment() throws IOException {
    Segment oldest = segments.pollFirst();
    if (oldest == tailSegment) {
      closeTail(); // the next append opens a new one
    }
    Files.deleteIfExists(oldest.file);
    if (oldest.entries > 0) {
      dropped.addAndGet(oldest.entries);
      LOG.warn(
          "spool: full ({} bytes max); dropped the {} oldest measurements ({} dropped so far)",
          maxBytes,
          oldest.entries,
          dropped.get());
    }
    Segment next = segments.peekFirst();
    head = new Position(next == null ? oldest.seq + 1 : next.seq, 0);
    saveHead();
  }

  /** Up to {@code max} entries from the oldest on, without removing them. */
  public synchronized List<Spooled> peek(int max) {
    List<Spooled> out = new ArrayList<>();
    for (Segment s : segments) {
      if (out.size() >= max) {
        break;
      }
      if (s.entries == 0) {
        continue;
      }
      long from = s.seq == head.segment() ? head.offset() : 0;
      int want = max - out.size();
      int got;
      try {
        got = read(s, from, want, out);
      } catch (IOException e) {
        throw new UncheckedIOException("spool: cannot read " + s.file, e);
      }
      if (got < want && got < s.entries) {
        // The segment ends before the entries counted in it (a record cut short): those cannot be
        // read, now or later. Count them lost rather than have a reader wait for them.
        long lost = s.entries - got;
        s.entries = got;
        dropped.addAndGet(lost);
        LOG.warn("spool: {} entries of {} cannot be read (cut short); skipped", lost, s.file);
      }
    }
    return out;
  }

  /** Reads up to {@code max} entries of {@code s} from {@code from} on; returns how many. */
  private int read(Segment s, long from, int max, List<Spooled> out) throws IOException {
    int got = 0;
    try (RandomAccessFile f = new RandomAccessFile(s.file.toFile(), "r")) {
      long pos = from;
      long end = f.length();
      while (out.size() < max && pos + 4 <= end) {
        f.seek(pos);
        int len = f.readInt();
        if (len < 0 || pos + 4 + len > end) {
          break; // a record cut short by a crash: nothing readable follows
        }
        byte[] bytes = new byte[len];
        f.readFully(bytes);
        pos += 4 + len;
        got++;
        try {
          out.add(
              new Spooled(
                  MessageSerde.MEASUREMENT.fromBytes(bytes), len, new Position(s.seq, pos)));
        } catch (MalformedMessageException e) {
          // Cannot be sent; skip it (counted) and carry on with the next.
          LOG.warn("spool: skipping an unreadable entry in {}: {}", s.file, e.getMessage());
          dropped.incrementAndGet();
          out.add(new Spooled(null, len, new Position(s.seq, pos)));
        }
      }
    }
    return got;
  }

  /** Removes everything before {@code upTo}: those entries were delivered. */
  public synchronized void commit(Position upTo) {
    if (upTo.compareTo(head) <= 0) {
      return; // already dropped or committed
    }
    Segment current = null;
    for (Segment s : segments) {
      if (s.seq == upTo.segment()) {
        current = s;
      }
    }
    long committed = 0;
    if (current != null) {
      long from = head.segment() == current.seq ? head.offset() : 0;
      try {
        committed = countEntries(current.file, from, upTo.offset());
      } catch (IOException e) {
        throw new UncheckedIOException("spool: cannot commit in " + dir, e);
      }
    }
    while (!segments.isEmpty() && segments.peekFirst().seq < upTo.segment()) {
      Segment done = segments.pollFirst();
      if (done == tailSegment) {
        closeTailQuietly();
      }
      try {
        Files.deleteIfExists(done.file);
      } catch (IOException e) {
        // Behind the head: the next start deletes it.
        LOG.warn("spool: cannot delete {}: {}", done.file, e.toString());
      }
    }
    if (current != null) {
      current.entries -= committed;
    }
    head = upTo;
    saveHead();
  }

  private void closeTail() throws IOException {
    RandomAccessFile t = tail;
    tail = null;
    tailSegment = null;
    if (t != null) {
      t.close();
    }
  }

  private void closeTailQuietly() {
    try {
      closeTail();
    } catch (IOException e) {
      LOG.warn("spool: closing a segment in {} failed: {}", dir, e.toString());
    }
  }

  private static long countEntries(Path file, long from) throws IOException {
    return countEntries(file, from, Long.MAX_VALUE);
  }

  private static long countEntries(Path file, long from, long to) throws IOException {
    long n = 0;
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
      long end = Math.min(to, f.length());
      long pos = from;
      while (pos + 4 <= end) {
        f.seek(pos);
        int len = f.readInt();
        if (len < 0 || pos + 4 + len > end) {
          break;
        }
        pos += 4 + len;
        n++;
      }
    }
    return n;
  }

  /** Waits until the spool holds something or the time is up; true if it holds something. */
  public synchronized boolean awaitEntries(long timeout, TimeUnit unit)
      throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    while (entries() == 0 && !closed) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return entries() > 0;
  }

  /** Entries waiting to be delivered. */
  public synchronized long entries() {
    return segments.stream().mapToLong(s -> s.entries).sum();
  }

  /** Bytes on disk, including not yet deleted delivered entries of the oldest segment. */
  public synchronized long bytes() {
    return segments.stream().mapToLong(s -> s.bytes).sum();
  }

  public long appended() {
    return appended.get();
  }

  /** Entries dropped because the spool was full (or unreadable, or could not be written). */
  public long dropped() {
    return dropped.get();
  }

  /** Measurements refused because they are larger than {@link #refuseEntriesOver} allows. */
  public long refused() {
    return refused.get();
  }

  public long maxBytes() {
    return maxBytes;
  }

  @Override
  public synchronized void flush() {
    try {
      if (tail != null) {
        tail.getFD().sync();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (tail != null) {
        tail.getFD().sync();
      }
      closeTail();
    } catch (IOException e) {
      LOG.warn("spool: closing {} failed: {}", dir, e.toString());
    }
    notifyAll();
  }
}
