package net.qoe.stack.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
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

  @Override
  public void close() {
    running = false;
    sampler.interrupt();
  }
}
