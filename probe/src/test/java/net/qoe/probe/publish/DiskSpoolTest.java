package net.qoe.probe.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import net.qoe.kafka.message.Measurement;
import net.qoe.probe.publish.DiskSpool.Spooled;
import net.qoe.probe.tests.TestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskSpoolTest {

  @TempDir Path dir;

  private static Measurement measurement(String target, int n) {
    return new TestContext("probe-s", 1, Duration.ofSeconds(1))
        .measure(target, "tcp", m -> m.metric("n", n));
  }

  private static List<String> ids(List<Spooled> entries) {
    return entries.stream()
        .map(s -> s.measurement() == null ? "<unreadable>" : s.measurement().eventId())
        .toList();
  }

  @Test
  void readsEntriesInTheOrderTheyWereAppendedAndRemovesOnlyWhatIsCommitted() {
    try (DiskSpool spool = DiskSpool.open(dir, 1 << 20)) {
      List<Measurement> written =
          List.of(measurement("a", 1), measurement("b", 2), measurement("a", 3));
      written.forEach(spool::accept);

      List<Spooled> first = spool.peek(2);
      assertThat(ids(first)).containsExactly(written.get(0).eventId(), written.get(1).eventId());
      assertThat(spool.peek(10)).hasSize(3); // peeking removes nothing

      spool.commit(first.get(1).next());
      assertThat(spool.entries()).isEqualTo(1);
      assertThat(ids(spool.peek(10))).containsExactly(written.get(2).eventId());
      assertThat(spool.peek(10).get(0).measurement()).isEqualTo(written.get(2));
    }
  }

  @Test
  void aReopenedSpoolReplaysWhatWasNotCommitted() {
    Measurement kept;
    try (DiskSpool spool = DiskSpool.open(dir, 1 << 20)) {
      spool.accept(measurement("a", 1));
      kept = measurement("a", 2);
      spool.accept(kept);
      spool.commit(spool.peek(1).get(0).next());
    }
    try (DiskSpool reopened = DiskSpool.open(dir, 1 << 20)) {
      assertThat(reopened.entries()).isEqualTo(1);
      assertThat(ids(reopened.peek(10))).containsExactly(kept.eventId());
      Measurement later = measurement("a", 3);
      reopened.accept(later);
      assertThat(ids(reopened.peek(10))).containsExactly(kept.eventId(), later.eventId());
    }
  }

  @Test
  void aFullSpoolDropsTheOldestEntriesFirstAndCountsThem() {
    long max = 16 * 1024;
    try (DiskSpool spool = DiskSpool.open(dir, max)) {
      int n = 400;
      Measurement last = null;
      for (int i = 0; i < n; i++) {
        last = measurement("a", i);
        spool.accept(last);
        assertThat(spool.bytes()).isLessThanOrEqualTo(max);
      }
      assertThat(spool.dropped()).isPositive();
      assertThat(spool.entries() + spool.dropped()).isEqualTo(n);
      List<Spooled> left = spool.peek(n);
      assertThat(left).hasSize((int) spool.entries());
      // What is left is the newest, still in order, ending with the last one written.
      assertThat(left.get(left.size() - 1).measurement().eventId()).isEqualTo(last.eventId());
      List<Double> numbers = left.stream().map(s -> s.measurement().metrics().get("n")).toList();
      assertThat(numbers).isSorted();
      assertThat(numbers.get(0)).isEqualTo((double) spool.dropped());
    }
  }

  /** Crash in the middle of an append: the cut record is skipped, everything else replays. */
  @Test
  void aRecordCutShortByACrashIsSkippedAndLaterAppendsReplayInOrder() throws Exception {
    List<String> kept = new ArrayList<>();
    try (DiskSpool spool = DiskSpool.open(dir, 1 << 20)) {
      for (int i = 0; i < 5; i++) {
        Measurement m = measurement("t", i);
        spool.accept(m);
        kept.add(m.eventId());
      }
      spool.commit(spool.peek(2).get(1).next());
      kept.subList(0, 2).clear();
      spool.accept(measurement("t", 99)); // to be cut short
    }
    Path seg;
    try (Stream<Path> files = Files.list(dir)) {
      seg = files.filter(f -> f.toString().endsWith(".seg")).findFirst().orElseThrow();
    }
    try (RandomAccessFile f = new RandomAccessFile(seg.toFile(), "rw")) {
      f.setLength(f.length() - 20);
    }
    try (DiskSpool spool = DiskSpool.open(dir, 1 << 20)) {
      assertThat(spool.entries()).isEqualTo(3);
      for (int i = 100; i < 103; i++) {
        Measurement m = measurement("t", i);
        spool.accept(m);
        kept.add(m.eventId());
      }
      List<Spooled> all = spool.peek(100);
      assertThat(ids(all)).containsExactlyElementsOf(kept);
      assertThat(spool.entries()).isEqualTo(all.size());
      spool.commit(all.get(all.size() - 1).next());
      assertThat(spool.entries()).isZero();
    }
    try (DiskSpool spool = DiskSpool.open(dir, 1 << 20)) {
      assertThat(spool.entries()).isZero();
      assertThat(spool.peek(100)).isEmpty();
    }
  }

  /**
   * The smallest spool the configuration allows (4096 bytes): its only segment is both the limit
   * and the tail, and delivered bytes count towards the limit, so a measurement not yet sent is
   * dropped when the spool holds one undelivered measurement (a few hundred bytes of 4096).
   */
  @Test
  void theSmallestSpoolDoesNotDropAnUndeliveredMeasurementWhileNearlyEmpty() {
    try (DiskSpool spool = DiskSpool.open(dir, 4096)) {
      // A healthy broker: the replayer delivers and commits everything but the newest
      // measurement, which it has not picked up yet when the next one is appended.
      for (int i = 0; i < 40; i++) {
        spool.accept(measurement("t", i));
        assertThat(spool.entries())
            .as("undelivered after append %d", i)
            .isEqualTo(2 - (i == 0 ? 1 : 0));
        List<Spooled> pending = spool.peek(10);
        if (pending.size() > 1) {
          spool.commit(pending.get(pending.size() - 2).next());
        }
      }
      assertThat(spool.dropped()).isZero();
    }
  }

  /**
   * The tail is an interruptible FileChannel shared by every writer: one writer thread that is
   * interrupted while appending (PublishQueue.close() interrupts its publisher after 5 s; the
   * scheduler's watchdog interrupts test workers, which MeasurementSink says may call accept)
   * closes it for everybody, and every later append that fits the current segment fails.
   */
  @Test
  void anInterruptedWriterDoesNotBreakAppendsFromOtherThreads() throws Exception {
    try (DiskSpool spool = DiskSpool.open(dir, 1 << 20)) {
      spool.accept(measurement("t", 0));
      Thread interrupted =
          new Thread(
              () -> {
                Thread.currentThread().interrupt();
                try {
                  spool.accept(measurement("t", 1));
                } catch (RuntimeException expected) {
                  // this one may be refused
                }
              });
      interrupted.start();
      interrupted.join(10_000);
      Measurement later = measurement("t", 2);
      assertThatCode(() -> spool.accept(later))
          .as("an append from another, uninterrupted thread")
          .doesNotThrowAnyException();
      assertThat(ids(spool.peek(10))).contains(later.eventId());
    }
  }

  /**
   * Bytes lost under an open spool (a segment cut short behind its back): the entries counted but
   * unreadable are written off by peek, so a reader never waits for entries it cannot get.
   */
  @Test
  void entriesThatCannotBeReadAreWrittenOffRatherThanWaitedFor() throws Exception {
    try (DiskSpool spool = DiskSpool.open(dir, 1 << 20)) {
      List<String> written = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        Measurement m = measurement("t", i);
        spool.accept(m);
        written.add(m.eventId());
      }
      Path seg;
      try (Stream<Path> files = Files.list(dir)) {
        seg = files.filter(f -> f.toString().endsWith(".seg")).findFirst().orElseThrow();
      }
      try (RandomAccessFile f = new RandomAccessFile(seg.toFile(), "rw")) {
        f.setLength(f.length() - 20);
      }
      assertThat(spool.entries()).isEqualTo(5);
      List<Spooled> all = spool.peek(100);
      assertThat(ids(all)).containsExactlyElementsOf(written.subList(0, 4));
      assertThat(spool.entries()).isEqualTo(4);
      assertThat(spool.dropped()).isEqualTo(1);
      spool.commit(all.get(3).next());
      assertThat(spool.entries()).isZero();
      assertThat(spool.awaitEntries(10, TimeUnit.MILLISECONDS)).isFalse();
    }
  }

  @Test
  void refusesAMeasurementLargerThanItsReaderCanDeliverAndCountsIt() {
    try (DiskSpool spool = DiskSpool.open(dir, 1 << 20)) {
      spool.refuseEntriesOver(1000, "a test limit");
      Measurement small = measurement("t", 1);
      Measurement large =
          new TestContext("probe-s", 1, Duration.ofSeconds(1))
              .measure("t", "script", m -> m.fail("script", "z".repeat(2000)));
      spool.accept(large);
      spool.accept(small);
      assertThat(spool.refused()).isEqualTo(1);
      assertThat(spool.dropped()).isZero();
      assertThat(ids(spool.peek(10))).containsExactly(small.eventId());
    }
  }
}
