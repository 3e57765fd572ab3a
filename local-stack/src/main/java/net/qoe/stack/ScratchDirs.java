package net.qoe.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** The scratch directories the local stack, its benchmarks and its tests create under tmp. */
public final class ScratchDirs {

  private ScratchDirs() {}

  /**
   * Deletes a directory and everything in it. A directory that is already gone is fine; a failure
   * is printed, not thrown, because it happens while shutting down and must not hide the real
   * result.
   */
  public static void delete(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      System.err.println("could not delete " + dir + ": " + e.getMessage());
    }
  }
}
