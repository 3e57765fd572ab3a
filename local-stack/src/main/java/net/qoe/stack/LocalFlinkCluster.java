package net.qoe.stack;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import net.qoe.job.QoeJob;
import net.qoe.job.config.JobConfig;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.runtime.checkpoint.CompletedCheckpointStats;
import org.apache.flink.runtime.checkpoint.TaskStateStats;
import org.apache.flink.runtime.executiongraph.AccessExecutionGraph;
import org.apache.flink.runtime.executiongraph.AccessExecutionJobVertex;
import org.apache.flink.runtime.executiongraph.AccessExecutionVertex;
import org.apache.flink.runtime.executiongraph.IOMetrics;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;

/**
 * A Flink MiniCluster that outlives the jobs on it, with the web dashboard on a fixed port and the
 * Prometheus reporter on another, the way a small session cluster would run.
 */
public final class LocalFlinkCluster implements AutoCloseable {

  private final MiniCluster cluster;
  private final Path checkpoints;

  private LocalFlinkCluster(MiniCluster cluster, Path checkpoints) {
    this.cluster = cluster;
    this.checkpoints = checkpoints;
  }

  public static LocalFlinkCluster start(int restPort, int prometheusPort, int slots)
      throws Exception {
    return start(restPort, prometheusPort, slots, Map.of());
  }

  /** As {@link #start(int, int, int)}, with more configuration (e.g. another metric reporter). */
  public static LocalFlinkCluster start(
      int restPort, int prometheusPort, int slots, Map<String, String> more) throws Exception {
    Configuration conf = new Configuration();
    // Checkpoints go to files, as on a real cluster: JobManager memory takes at most 5 MB of state,
    // which the dedupe state of a few hundred thousand measurements already exceeds.
    Path checkpoints = Files.createTempDirectory("flink-checkpoints");
    conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
    conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
    conf.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
    conf.set(RestOptions.ADDRESS, "127.0.0.1");
    conf.set(RestOptions.PORT, restPort);
    conf.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.ofMebiBytes(128));
    conf.setString(
        "metrics.reporter.prom.factory.class",
        "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
    conf.setString("metrics.reporter.prom.port", Integer.toString(prometheusPort));
    more.forEach(conf::setString);
    MiniCluster cluster =
        new MiniCluster(
            new MiniClusterConfiguration.Builder()
                .setConfiguration(conf)
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(slots)
                .build());
    cluster.start();
    return new LocalFlinkCluster(cluster, checkpoints);
  }

  public URI restAddress() throws Exception {
    return cluster.getRestAddress().get(30, TimeUnit.SECONDS);
  }

  public JobID submit(JobConfig config, int parallelism) throws Exception {
    return submit(QoeJob.withKafkaAndPostgres(config), config, parallelism);
  }

  public JobID submit(QoeJob job, JobConfig config, int parallelism) throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(parallelism);
    QoeJob.configure(env, config);
    job.build(env);
    StreamGraph graph = env.getStreamGraph();
    graph.setJobName(QoeJob.JOB_NAME);
    return cluster.submitJob(graph).get(60, TimeUnit.SECONDS).getJobID();
  }

  public JobStatus status(JobID job) throws Exception {
    return cluster.getJobStatus(job).get(10, TimeUnit.SECONDS);
  }

  /** Waits until the job's tasks are running, or fails with its state after {@code timeout}. */
  public void awaitRunning(JobID job, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    JobStatus status = status(job);
    while (status != JobStatus.RUNNING) {
      if (status.isGloballyTerminalState() || System.nanoTime() > deadline) {
        throw new IllegalStateException("the job is " + status + ", not RUNNING");
      }
      TimeUnit.MILLISECONDS.sleep(200);
      status = status(job);
    }
  }

  public void cancel(JobID job) throws Exception {
    cluster.cancelJob(job).get(30, TimeUnit.SECONDS);
  }

  /** How one task (all its subtasks together) spent its time, in milliseconds. */
  public record TaskTime(String name, double busyMs, long backPressuredMs, long idleMs) {

    public double totalMs() {
      return busyMs + backPressuredMs + idleMs;
    }
  }

  /**
   * Per task of a job, in topological order: the time its subtasks were busy, back-pressured
   * (waiting for room downstream) and idle (waiting for input), summed over the subtasks. For a
   * finished job these are the final figures; for a running one, those of the last metrics update.
   */
  public List<TaskTime> taskTimes(JobID job) throws Exception {
    AccessExecutionGraph graph = cluster.getExecutionGraph(job).get(10, TimeUnit.SECONDS);
    List<TaskTime> times = new ArrayList<>();
    for (AccessExecutionJobVertex vertex : graph.getVerticesTopologically()) {
      double busy = 0;
      long backPressured = 0;
      long idle = 0;
      for (AccessExecutionVertex subtask : vertex.getTaskVertices()) {
        IOMetrics io = subtask.getCurrentExecutionAttempt().getIOMetrics();
        if (io != null) {
          busy += io.getAccumulateBusyTime();
          backPressured += io.getAccumulateBackPressuredTime();
          idle += io.getAccumulateIdleTime();
        }
      }
      times.add(new TaskTime(vertex.getName(), busy, backPressured, idle));
    }
    return times;
  }

  /**
   * The latest completed checkpoint of a running job: its id and the state size of each operator
   * chain (by name) plus {@code "total"}; empty before the first one.
   */
  public Map<String, Long> latestCheckpointStateSizes(JobID job) throws Exception {
    AccessExecutionGraph graph = cluster.getExecutionGraph(job).get(10, TimeUnit.SECONDS);
    CompletedCheckpointStats latest =
        graph.getCheckpointStatsSnapshot().getHistory().getLatestCompletedCheckpoint();
    Map<String, Long> sizes = new LinkedHashMap<>();
    if (latest == null) {
      return sizes;
    }
    sizes.put("id", latest.getCheckpointId());
    sizes.put("total", latest.getStateSize());
    for (TaskStateStats task : latest.getAllTaskStateStats()) {
      sizes.put(graph.getJobVertex(task.getJobVertexId()).getName(), task.getStateSize());
    }
    return sizes;
  }

  /** The directory the cluster writes checkpoints to. */
  public Path checkpointDir() {
    return checkpoints;
  }

  @Override
  public void close() throws Exception {
    try {
      cluster.closeAsync().get(60, TimeUnit.SECONDS);
    } finally {
      ScratchDirs.delete(checkpoints);
    }
  }
}
