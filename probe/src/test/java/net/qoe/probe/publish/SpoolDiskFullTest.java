package net.qoe.probe.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import net.qoe.kafka.message.Measurement;
import net.qoe.probe.publish.DiskSpool.Spooled;
import net.qoe.probe.tests.TestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real full file system: a small tmpfs mounted for the test (needs root; skipped otherwise). The
 * spool's own bound is far away; the disk fills first, then space comes back.
 */
class SpoolDiskFullTest {

  @TempDir Path tmp;
  private Path mnt;

  private static Measurement measurement(int n) {
    return new TestContext("probe-full", 1, Duration.ofSeconds(1))
        .measure("t", "tcp", m -> m.metric("n", n));
  }

  private static Measurement big(int n) {
    String message = "y".repeat(2000);
    return new TestContext("probe-full", 1, Duration.ofSeconds(1))
        .measure("t", "tcp", m -> m.metric("n", n).fail("io", message));
  }

  private void mountTmpfs(String options) throws Exception {
    mnt = tmp.resolve("mnt");
    Files.createDirectories(mnt);
    Process p =
        new ProcessBuilder("mount", "-t", "tmpfs", "-o", options, "tmpfs", mnt.toString())
            .redirectErrorStream(true)
            .start();
    boolean done = p.waitFor(10, TimeUnit.SECONDS);
    boolean ok = done && p.exitValue() == 0;
    if (!ok) {
      mnt = null;
    }
    assumeTrue(ok, "cannot mount a tmpfs here");
  }

  @AfterEach
  void unmount() throws Exception {
    if (mnt != null) {
      Process p = new ProcessBuilder("umount", "-l", mnt.toString()).start();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static List<String> ids(List<Spooled> entries) {
    return entries.stream()
        .map(s -> s.measurement() == null ? "<unreadable>" : s.measurement().eventId())
        .toList();
  }

  /**
   * The disk fills in the middle of an append: part of the record reaches the segment, then the
   * write fails. Once space is back, the next appends go after those stray bytes, so the reader is
   * out of step with the records: everything appended after the failure is lost.
   */
  @Test
  void appendsAfterAWriteThatHitAFullDiskAreStillReadable() throws Exception {
    mountTmpfs("size=16k");
    Path filler = mnt.resolve("filler");
    Files.write(filler, new byte[8192]);
    List<String> accepted = new ArrayList<>();
    try (DiskSpool spool = DiskSpool.open(mnt.resolve("spool"), 1 << 20)) {
      boolean full = false;
      for (int i = 0; i < 200 && !full; i++) {
        Measurement m = measurement(i);
        try {
          spool.accept(m);
          accepted.add(m.eventId());
        } catch (UncheckedIOException e) {
          full = true; // No space left on device
        }
      }
      assertThat(full).as("the disk filled up").isTrue();

      Files.delete(filler); // space is back
      for (int i = 1000; i < 1005; i++) {
        Measurement m = measurement(i);
        spool.accept(m);
        accepted.add(m.eventId());
      }

      List<Spooled> all = spool.peek(10_000);
      org.assertj.core.api.SoftAssertions soft = new org.assertj.core.api.SoftAssertions();
      soft.assertThat(ids(all))
          .as("every accepted measurement can be read back")
          .containsAll(accepted);
      // When they disagree the replayer spins: awaitEntries() is true, peek() returns nothing.
      soft.assertThat((long) all.size())
          .as("entries() agrees with what peek returns")
          .isEqualTo(spool.entries());
      System.err.println(
          +accepted.size()
              + " peek="
              + all.size()
              + " entries="
              + spool.entries()
              + " ids="
              + ids(all).stream().map(x -> accepted.contains(x) ? "ok" : x).toList());
      soft.assertAll();
    }
  }

  /**
   * Rolling to a new segment fails (no inode left: ENOSPC on create; EMFILE would do the same).
   * newSegment() has already closed the tail channel but keeps the field pointing at it, so once
   * the file system is fine again, every measurement small enough to still fit the old segment is
   * written to a closed channel and refused.
   */
  @Test
  void aFailedSegmentRollDoesNotBreakLaterAppends() throws Exception {
    mountTmpfs("size=1m,nr_inodes=16");
    Path spoolDir = mnt.resolve("spool");
    try (DiskSpool spool = DiskSpool.open(spoolDir, 32 * 1024)) { // 4 KiB segments
      List<String> accepted = new ArrayList<>();
      for (int i = 0; i < 15; i++) { // ~2.6 KiB in the first segment
        Measurement m = measurement(i);
        spool.accept(m);
        accepted.add(m.eventId());
      }
      List<Path> fillers = new ArrayList<>();
      for (int i = 0; i < 100; i++) { // use up the inodes
        Path f = mnt.resolve("f" + i);
        try {
          Files.createFile(f);
          fillers.add(f);
        } catch (IOException e) {
          break;
        }
      }
      assertThat(fillers).isNotEmpty();
      assertThat(spool.bytes()).isBetween(2048L, 4096L - 400);
      // Does not fit the first segment: needs a new file, which cannot be created now.
      assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> spool.accept(big(100))))
          .isInstanceOf(UncheckedIOException.class);

      Files.delete(fillers.get(0)); // the file system is fine again
      Measurement after = measurement(101); // small: fits the first segment
      assertThatCode(() -> spool.accept(after))
          .as("an append once the file system recovered")
          .doesNotThrowAnyException();
      accepted.add(after.eventId());
      assertThat(ids(spool.peek(100))).containsAll(accepted);
    }
  }
}
