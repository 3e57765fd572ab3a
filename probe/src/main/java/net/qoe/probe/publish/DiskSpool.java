package net.qoe.probe.publish;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
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
 * <p>Thread-safe; every method is synchronized (appends are small and local).
 */
public final class DiskSpool implements MeasurementSink {

  private static final Logger LOG = LoggerFactory.getLogger(DiskSpool.class);
  private static final String PREFIX = "spool-";
  private static final String SUFFIX = ".seg";
  private static final String HEAD = "head";
  private static final long MAX_SEGMENT_BYTES = 1 << 20;
  private static final long MIN_SEGMENT_BYTES = 4096;

  /** One entry read from the spool, and the position just after it (to commit). */
  public record Spooled(Measurement measurement, Position next) {}

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
  private Position head;
  private FileChannel tail;
  private boolean closed;

  private DiskSpool(Path dir, long maxBytes) {
    this.dir = dir;
    this.maxBytes = maxBytes;
    this.segmentBytes = Math.max(MIN_SEGMENT_BYTES, Math.min(MAX_SEGMENT_BYTES, maxBytes / 8));
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

  /** Appends a measurement; drops the oldest entries first when the spool is full. */
  @Override
  public synchronized void accept(Measurement measurement) {
    if (closed) {
      throw new IllegalStateException("spool closed");
    }
    byte[] bytes = MessageSerde.MEASUREMENT.toBytes(measurement);
    long size = 4L + bytes.length;
    if (size > maxBytes) {
      dropped.incrementAndGet();
      LOG.warn("spool: a measurement of {} bytes is larger than the spool; dropped", size);
      return;
    }
    try {
      while (bytes() + size > maxBytes && !segments.isEmpty()) {
        dropOldestSegment();
      }
      Segment last = segments.peekLast();
      if (last == null || last.bytes + size > segmentBytes || tail == null) {
        last = newSegment(last == null ? Math.max(head.segment(), 0) : last.seq + 1);
      }
      ByteBuffer buf = ByteBuffer.allocate((int) size);
      buf.putInt(bytes.length).put(bytes).flip();
      while (buf.hasRemaining()) {
        tail.write(buf);
      }
      last.bytes += size;
      last.entries++;
      appended.incrementAndGet();
      notifyAll();
    } catch (IOException e) {
      dropped.incrementAndGet();
      throw new UncheckedIOException("spool: cannot write to " + dir, e);
    }
  }

  private Segment newSegment(long seq) throws IOException {
    if (tail != null) {
      tail.close();
    }
    Segment s = new Segment(seq, segmentFile(seq));
    tail =
        FileChannel.open(
            s.file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    s.bytes = tail.size();
    segments.addLast(s);
    return s;
  }

  private void dropOldestSegment() throws IOException {
    Segment oldest = segments.pollFirst();
    if (oldest == segments.peekLast() || segments.isEmpty()) {
      // The tail itself goes: the next append opens a new one.
      if (tail != null) {
        tail.close();
        tail = null;
      }
    }
    Files.deleteIfExists(oldest.file);
    dropped.addAndGet(oldest.entries);
    LOG.warn(
        "spool: full ({} bytes max); dropped the {} oldest measurements ({} dropped so far)",
        maxBytes,
        oldest.entries,
        dropped.get());
    Segment next = segments.peekFirst();
    head = new Position(next == null ? oldest.seq + 1 : next.seq, 0);
    writeHead();
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
      try {
        read(s, from, max - out.size(), out);
      } catch (IOException e) {
        throw new UncheckedIOException("spool: cannot read " + s.file, e);
      }
    }
    return out;
  }

  private void read(Segment s, long from, int max, List<Spooled> out) throws IOException {
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
        try {
          out.add(new Spooled(MessageSerde.MEASUREMENT.fromBytes(bytes), new Position(s.seq, pos)));
        } catch (MalformedMessageException e) {
          // Cannot be sent; skip it (counted) and carry on with the next.
          LOG.warn("spool: skipping an unreadable entry in {}: {}", s.file, e.getMessage());
          dropped.incrementAndGet();
          out.add(new Spooled(null, new Position(s.seq, pos)));
        }
      }
    }
  }

  /** Removes everything before {@code upTo}: those entries were delivered. */
  public synchronized void commit(Position upTo) {
    if (upTo.compareTo(head) <= 0) {
      return; // already dropped or committed
    }
    try {
      while (!segments.isEmpty() && segments.peekFirst().seq < upTo.segment()) {
        Segment done = segments.pollFirst();
        if (done == segments.peekLast() || segments.isEmpty()) {
          closeTail();
        }
        Files.deleteIfExists(done.file);
      }
      Segment current = segments.peekFirst();
      if (current != null && current.seq == upTo.segment()) {
        long from = head.segment() == current.seq ? head.offset() : 0;
        current.entries -= countEntries(current.file, from, upTo.offset());
      }
      head = upTo;
      writeHead();
    } catch (IOException e) {
      throw new UncheckedIOException("spool: cannot commit in " + dir, e);
    }
  }

  private void closeTail() throws IOException {
    if (tail != null) {
      tail.close();
      tail = null;
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

  /** Entries dropped because the spool was full (or unreadable). */
  public long dropped() {
    return dropped.get();
  }

  public long maxBytes() {
    return maxBytes;
  }

  @Override
  public synchronized void flush() {
    try {
      if (tail != null) {
        tail.force(false);
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
        tail.force(false);
      }
      closeTail();
    } catch (IOException e) {
      LOG.warn("spool: closing {} failed: {}", dir, e.toString());
    }
    notifyAll();
  }
}
