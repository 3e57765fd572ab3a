package net.qoe.probe.publish;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
    return entries.stream().map(s -> s.measurement().eventId()).toList();
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
}
