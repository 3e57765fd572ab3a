package net.qoe.stack.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * CPU time per group of threads of this JVM between {@link #start} and {@link #stop}, sampled every
 * 100 ms (a thread that ends between two samples loses at most its last 100 ms). Thread names are
 * grouped with their numbers taken out, so the two subtasks of a Flink task, or the broker's
 * request handlers, count as one group. JVM-internal threads (GC, JIT) are not Java threads and do
 * not appear; the whole process's CPU time covers them.
 */
final class ThreadCpu implements AutoCloseable {

  private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
  private final Map<Long, Long> startNanos = new HashMap<>();
  private final Map<Long, Long> lastNanos = new HashMap<>();
  private final Map<Long, String> names = new HashMap<>();
  private final Thread sampler;
  private volatile boolean running = true;

  private final Map<String, Long> procStart = procTicks();

  private ThreadCpu() {
    sample(true);
    sampler =
        new Thread(
            () -> {
              while (running) {
                try {
                  TimeUnit.MILLISECONDS.sleep(100);
                } catch (InterruptedException e) {
                  return;
                }
                sample(false);
              }
            },
            "bench-thread-cpu");
    sampler.setDaemon(true);
    sampler.start();
  }

  static ThreadCpu start() {
    return new ThreadCpu();
  }

  private synchronized void sample(boolean first) {
    long[] ids = threads.getAllThreadIds();
    ThreadInfo[] infos = threads.getThreadInfo(ids);
    for (int i = 0; i < ids.length; i++) {
      long cpu = threads.getThreadCpuTime(ids[i]);
      if (cpu < 0 || infos[i] == null) {
        continue;
      }
      if (first) {
        startNanos.put(ids[i], cpu);
      } else {
        startNanos.putIfAbsent(ids[i], 0L); // started after us: all its time counts
      }
      lastNanos.put(ids[i], cpu);
      names.putIfAbsent(ids[i], group(infos[i].getThreadName()));
    }
  }

  /** A thread's name without its numbers and subtask suffix. */
  static String group(String name) {
    String g = name.replaceAll("\\(\\d+/\\d+\\)#\\d+", "").replaceAll("\\d+", "N").trim();
    return g.length() > 90 ? g.substring(0, 90) + "…" : g;
  }

  /** Stops sampling; CPU seconds per group, largest first. */
  synchronized Map<String, Double> stop() {
    running = false;
    sampler.interrupt();
    sample(false);
    Map<String, Double> byGroup = new HashMap<>();
    for (Map.Entry<Long, Long> e : lastNanos.entrySet()) {
      double s = (e.getValue() - startNanos.getOrDefault(e.getKey(), 0L)) / 1e9;
      byGroup.merge(names.get(e.getKey()), s, Double::sum);
    }
    Map<String, Double> sorted = new LinkedHashMap<>();
    byGroup.entrySet().stream()
        .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
        .forEach(e -> sorted.put(e.getKey(), e.getValue()));
    return sorted;
  }

  /**
   * CPU seconds since {@link #start} of the JVM's own threads (GC, JIT compilers, VM thread and the
   * like) by group, from {@code /proc/self/task} (10 ms resolution); empty where there is no {@code
   * /proc}.
   */
  Map<String, Double> jvmThreads() {
    Map<String, Long> now = procTicks();
    Map<String, Double> byGroup = new HashMap<>();
    for (Map.Entry<String, Long> e : now.entrySet()) {
      String[] tidAndName = e.getKey().split(" ", 2);
      String name = tidAndName[1];
      if (!isJvmInternal(name)) {
        continue;
      }
      long ticks = e.getValue() - procStart.getOrDefault(e.getKey(), 0L);
      byGroup.merge(group(name), ticks / 100.0, Double::sum);
    }
    Map<String, Double> sorted = new LinkedHashMap<>();
    byGroup.entrySet().stream()
        .filter(e -> e.getValue() > 0)
        .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
        .forEach(e -> sorted.put(e.getKey(), e.getValue()));
    return sorted;
  }

  private static boolean isJvmInternal(String name) {
    return name.startsWith("GC Thread")
        || name.startsWith("G1 ")
        || name.startsWith("C1 Compiler")
        || name.startsWith("C2 Compiler")
        || name.startsWith("VM Thread")
        || name.startsWith("VM Periodic")
        || name.startsWith("Sweeper")
        || name.startsWith("JFR ");
  }

  /** "tid name" to user + system ticks of every thread of this process. */
  private static Map<String, Long> procTicks() {
    Map<String, Long> ticks = new HashMap<>();
    Path tasks = Path.of("/proc/self/task");
    if (!Files.isDirectory(tasks)) {
      return ticks;
    }
    try (var dirs = Files.list(tasks)) {
      for (Path task : (Iterable<Path>) dirs::iterator) {
        try {
          String stat = Files.readString(task.resolve("stat"));
          // pid (comm) state ...: comm may hold spaces and parentheses, so split after the last ')'
          int open = stat.indexOf('(');
          int close = stat.lastIndexOf(')');
          String name = stat.substring(open + 1, close);
          String[] f = stat.substring(close + 2).split(" ");
          long t = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
          ticks.put(task.getFileName() + " " + name, t);
        } catch (IOException | RuntimeException e) {
          // the thread ended while we read it
        }
      }
    } catch (IOException e) {
      return ticks;
    }
    return ticks;
  }

  @Override
  public void close() {
    running = false;
    sampler.interrupt();
  }
}
