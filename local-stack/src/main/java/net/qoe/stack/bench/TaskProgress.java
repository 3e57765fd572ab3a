package net.qoe.stack.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;

/**
 * How many records one task of a running job has taken in, over time: its {@code numRecordsIn}
 * (subtasks summed), read every {@code periodMs} with the time of each reading. From it, {@link
 * #rateBetween} gives the task's steady rate between two counts, leaving out the job's start
 * (deploying tasks, opening connections) and its end after the last record (a bounded job finishes
 * with a final checkpoint and the sinks' commit, which a streaming deployment never does).
 *
 * <p>The counters come from {@link Reporter}, a metric reporter in this JVM that the cluster is
 * started with ({@link #REPORTER_CONFIG}): reading one is reading a long, where scraping the
 * Prometheus reporter four times a second took 7 % of a core from the job it measured.
 */
public final class TaskProgress implements AutoCloseable {

  /** The cluster configuration that installs {@link Reporter}. */
  static final Map<String, String> REPORTER_CONFIG =
      Map.of("metrics.reporter.benchprogress.factory.class", Factory.class.getName());

  /** Every task's {@code numRecordsIn} counter, by job id, task name and subtask index. */
  private static final Map<String, Counter> RECORDS_IN = new ConcurrentHashMap<>();

  /** One reading: when (System.nanoTime) and the count then. */
  record Reading(long nanos, long records) {}

  private final String jobId;
  private final String taskName;
  private final List<Reading> readings = new ArrayList<>();
  private final Thread sampler;
  private volatile boolean running = true;

  private TaskProgress(String jobId, String taskName, long periodMs) {
    this.jobId = jobId;
    this.taskName = taskName;
    sampler =
        new Thread(
            () -> {
              while (running) {
                read();
                try {
                  TimeUnit.MILLISECONDS.sleep(periodMs);
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "bench-task-progress");
    sampler.setDaemon(true);
    sampler.start();
  }

  /**
   * Samples the task of job {@code jobId} whose (chain) name starts with {@code taskName}, on a
   * cluster started with {@link #REPORTER_CONFIG}.
   */
  static TaskProgress start(String jobId, String taskName, long periodMs) {
    return new TaskProgress(jobId, taskName, periodMs);
  }

  private void read() {
    long now = System.nanoTime();
    OptionalLong count = recordsIn(RECORDS_IN, jobId, taskName);
    if (count.isPresent()) {
      synchronized (readings) {
        readings.add(new Reading(now, count.getAsLong()));
      }
    }
  }

  /** The key a counter is held under. */
  static String key(String jobId, String taskName, String subtask) {
    return jobId + "\u0000" + taskName + "\u0000" + subtask;
  }

  /**
   * The summed counts of the job's task whose name starts with {@code taskName}; empty when it has
   * none (not running yet, or finished).
   */
  static OptionalLong recordsIn(Map<String, Counter> counters, String jobId, String taskName) {
    String prefix = jobId + "\u0000" + taskName;
    long sum = 0;
    boolean found = false;
    for (Map.Entry<String, Counter> e : counters.entrySet()) {
      if (e.getKey().startsWith(prefix)) {
        sum += e.getValue().getCount();
        found = true;
      }
    }
    return found ? OptionalLong.of(sum) : OptionalLong.empty();
  }

  List<Reading> readings() {
    synchronized (readings) {
      return List.copyOf(readings);
    }
  }

  /**
   * Records per second between the times the count reached {@code from} and {@code to}, each
   * interpolated between the two readings around it; empty when the readings do not cover both.
   */
  static OptionalDouble rateBetween(List<Reading> readings, long from, long to) {
    OptionalDouble t0 = timeOf(readings, from);
    OptionalDouble t1 = timeOf(readings, to);
    if (t0.isEmpty() || t1.isEmpty() || t1.getAsDouble() <= t0.getAsDouble()) {
      return OptionalDouble.empty();
    }
    return OptionalDouble.of((to - from) / ((t1.getAsDouble() - t0.getAsDouble()) / 1e9));
  }

  /** When (nanos) the count reached {@code records}, interpolated linearly. */
  static OptionalDouble timeOf(List<Reading> readings, long records) {
    for (int i = 1; i < readings.size(); i++) {
      Reading a = readings.get(i - 1);
      Reading b = readings.get(i);
      if (a.records() <= records && records <= b.records() && b.records() > a.records()) {
        double f = (double) (records - a.records()) / (b.records() - a.records());
        return OptionalDouble.of(a.nanos() + f * (b.nanos() - a.nanos()));
      }
    }
    return OptionalDouble.empty();
  }

  @Override
  public void close() {
    running = false;
    sampler.interrupt();
  }

  /** Keeps every task's {@code numRecordsIn} counter in {@link #RECORDS_IN} while it exists. */
  static final class Reporter implements MetricReporter {

    @Override
    public void open(MetricConfig config) {}

    @Override
    public void close() {}

    @Override
    public void notifyOfAddedMetric(Metric metric, String name, MetricGroup group) {
      String key = keyOf(name, group);
      if (key != null && metric instanceof Counter counter) {
        RECORDS_IN.put(key, counter);
      }
    }

    @Override
    public void notifyOfRemovedMetric(Metric metric, String name, MetricGroup group) {
      String key = keyOf(name, group);
      if (key != null) {
        RECORDS_IN.remove(key, metric);
      }
    }

    /** The key of a task's numRecordsIn (not an operator's: those have an operator name). */
    static String keyOf(String name, MetricGroup group) {
      Map<String, String> v = group.getAllVariables();
      if (!"numRecordsIn".equals(name)
          || !v.containsKey("<task_name>")
          || v.containsKey("<operator_name>")) {
        return null;
      }
      return key(v.get("<job_id>"), v.get("<task_name>"), v.get("<subtask_index>"));
    }
  }

  /** Creates {@link Reporter}; found by Flink through {@code META-INF/services}. */
  public static final class Factory implements MetricReporterFactory {
    @Override
    public MetricReporter createMetricReporter(java.util.Properties properties) {
      return new Reporter();
    }
  }
}
