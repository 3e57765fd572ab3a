package net.qoe.stack.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import net.qoe.kafka.Topics;
import net.qoe.kafka.embedded.EmbeddedKafka;
import net.qoe.kafka.message.Measurement;
import net.qoe.kafka.serde.MalformedMessageException;
import net.qoe.kafka.serde.MessageSerde;
import net.qoe.probe.config.TestSpec;
import net.qoe.probe.responder.DelayHttpServer;
import net.qoe.probe.responder.Responder;
import net.qoe.stack.ScratchDirs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The probe's footprint on its host: the shaded probe jar runs as its own process, exactly as a
 * user starts it, against N local targets with the tier-1 tests (http, tcp, udp with the default
 * packet count) every interval, publishing to an embedded broker. Its resident memory and CPU time
 * are read from {@code /proc} once a second after a warm-up, and every measurement it published is
 * counted, so the figures belong to a probe that really did its work.
 *
 * <pre>
 * ./mvnw -Pbench verify -Dbench.main=net.qoe.stack.bench.FootprintBenchmark \
 *     -Dbench.args="--targets 50 --interval 10 --duration 300 --warmup 30"
 * </pre>
 *
 * <p>Flags: --targets (50), --interval seconds (10), --duration seconds measured after the warm-up
 * (300), --warmup seconds (30), --jvm-opts (the probe's recommended small-footprint options, {@link
 * #PROBE_JVM_OPTS}), --probe-jar (else the system property qoe.probe.jar).
 */
public final class FootprintBenchmark {

  /** The JVM options the README recommends for running a probe. */
  public static final String PROBE_JVM_OPTS =
      "-Xms4m -Xmx24m -XX:MinHeapFreeRatio=5 -XX:MaxHeapFreeRatio=20 -Xss256k"
          + " -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:CICompilerCount=1"
          + " -XX:ReservedCodeCacheSize=16m -XX:MaxMetaspaceSize=64m -XX:MaxDirectMemorySize=16m"
          + " -XX:-UsePerfData";

  /** The environment the README recommends beside {@link #PROBE_JVM_OPTS}. */
  public static final String MALLOC_ARENA_MAX = "2";

  private static final long CLOCK_TICKS_PER_SECOND = 100;
  private static final long PAGE_KB = 4;

  private FootprintBenchmark() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = BenchArgs.flags(args);
    int targets = Integer.parseInt(a.getOrDefault("targets", "50"));
    int interval = Integer.parseInt(a.getOrDefault("interval", "10"));
    int duration = Integer.parseInt(a.getOrDefault("duration", "300"));
    int warmup = Integer.parseInt(a.getOrDefault("warmup", "30"));
    String jvmOpts = a.getOrDefault("jvm-opts", PROBE_JVM_OPTS);
    Path jar = Paths.get(a.getOrDefault("probe-jar", System.getProperty("qoe.probe.jar", "")));
    if (!Files.isRegularFile(jar)) {
      throw new IllegalArgumentException(
          "the probe jar " + jar + " does not exist: build it (./mvnw -pl probe -am package)");
    }
    Path dir = Files.createTempDirectory("qoe-footprint");
    try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0);
        DelayHttpServer http = DelayHttpServer.http("127.0.0.1", 0).start();
        Responder echo = new Responder("127.0.0.1", 0).start()) {
      net.qoe.kafka.TopicCreator.ensureAll(kafka.bootstrapServers());
      Path config = dir.resolve("probe.yml");
      Path log = Paths.get(a.getOrDefault("probe-log", dir.resolve("probe.log").toString()));
      Files.writeString(
          config, config(targets, interval, kafka.bootstrapServers(), http.port(), echo.udpPort()));
      List<String> cmd = new ArrayList<>();
      cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
      cmd.addAll(Arrays.asList(jvmOpts.trim().split("[\\s,]+")));
      cmd.addAll(List.of("-jar", jar.toString(), "run", "--config", config.toString()));
      System.out.printf(
          "probe: %d targets x 3 tier-1 tests (http, tcp, udp x"
              + TestSpec.DEFAULT_PACKETS
              + " packets) every %d s;"
              + " warm-up %d s, measured %d s%n  MALLOC_ARENA_MAX=%s %s%n",
          targets,
          interval,
          warmup,
          duration,
          MALLOC_ARENA_MAX,
          String.join(" ", cmd));
      ProcessBuilder builder =
          new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
      // As the README starts a probe: glibc's per-thread malloc arenas held several MB for nothing.
      builder.environment().put("MALLOC_ARENA_MAX", MALLOC_ARENA_MAX);
      Process probe = builder.start();
      long pid = probe.pid();
      try {
        awaitAlive(probe, Duration.ofSeconds(warmup));
        long startMs = System.currentTimeMillis();
        long startTicks = cpuTicks(pid);
        long startNanos = System.nanoTime();
        List<Long> rss = new ArrayList<>();
        long until = startNanos + TimeUnit.SECONDS.toNanos(duration);
        while (System.nanoTime() < until) {
          if (!probe.isAlive()) {
            throw new IllegalStateException(
                "the probe exited with " + probe.exitValue() + "; see " + log);
          }
          rss.add(rssKb(pid));
          probe.waitFor(1, TimeUnit.SECONDS);
        }
        long ticks = cpuTicks(pid) - startTicks;
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        long peakKb = peakRssKb(pid);
        long endMs = System.currentTimeMillis();
        probe.destroy();
        if (!probe.waitFor(30, TimeUnit.SECONDS)) {
          probe.destroyForcibly();
        }
        Map<String, Integer> published =
            countMeasurements(kafka.bootstrapServers(), startMs, endMs);
        report(targets, interval, seconds, ticks, rss, peakKb, published);
      } finally {
        if (probe.isAlive()) {
          probe.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      }
    } finally {
      ScratchDirs.delete(dir);
    }
  }

  static String config(int targets, int interval, String bootstrap, int httpPort, int udpPort) {
    StringBuilder y = new StringBuilder();
    y.append("probe_id: footprint\n");
    y.append("kafka: {bootstrap_servers: \"").append(bootstrap).append("\"}\n");
    y.append("defaults: {interval_s: ").append(interval).append(", timeout_ms: 5000}\n");
    // A udp run holds its worker while it sends its packets 20 ms apart (about 1 s for the default
    // 50): 50 targets every 10 s keep five workers busy with udp alone, so four would fall behind.
    y.append("concurrency: 8\n");
    y.append("targets:\n");
    for (int i = 0; i < targets; i++) {
      y.append("  - name: target-").append(i).append('\n');
      y.append("    host: 127.0.0.1\n");
      y.append("    tests:\n");
      y.append("      - {type: http, url: \"http://127.0.0.1:")
          .append(httpPort)
          .append("/t")
          .append(i)
          .append("\"}\n");
      y.append("      - {type: tcp, port: ").append(httpPort).append("}\n");
      y.append("      - {type: udp, port: ").append(udpPort).append("}\n");
    }
    return y.toString();
  }

  private static void awaitAlive(Process probe, Duration warmup) throws InterruptedException {
    if (probe.waitFor(warmup.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException("the probe exited during warm-up with " + probe.exitValue());
    }
  }

  /** utime + stime of the process, in clock ticks (fields 14 and 15 of /proc/PID/stat). */
  static long cpuTicks(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    // The command name (field 2) may hold spaces; the fields after its ')' are fixed.
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  static long rssKb(long pid) throws IOException {
    String statm = Files.readString(Path.of("/proc", Long.toString(pid), "statm")).trim();
    return Long.parseLong(statm.split(" ")[1]) * PAGE_KB;
  }

  static long peakRssKb(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      if (line.startsWith("VmHWM:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return -1;
  }

  /** Measurements with a timestamp inside [fromMs, toMs), by test. */
  private static Map<String, Integer> countMeasurements(String bootstrap, long fromMs, long toMs) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    Map<String, Integer> byTest = new TreeMap<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
      List<TopicPartition> parts =
          consumer.partitionsFor(Topics.MEASUREMENTS).stream()
              .map(i -> new TopicPartition(i.topic(), i.partition()))
              .toList();
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      Map<TopicPartition, Long> end = consumer.endOffsets(parts);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))
          && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          try {
            Measurement m = MessageSerde.MEASUREMENT.fromBytes(r.value());
            if (m.tsMs() >= fromMs && m.tsMs() < toMs) {
              byTest.merge(m.test() + (m.ok() ? "" : " (failed)"), 1, Integer::sum);
            }
          } catch (MalformedMessageException e) {
            byTest.merge("malformed: " + e.reason(), 1, Integer::sum);
          }
        }
      }
    }
    return byTest;
  }

  private static void report(
      int targets,
      int interval,
      double seconds,
      long ticks,
      List<Long> rssKb,
      long peakKb,
      Map<String, Integer> published) {
    List<Long> sorted = new ArrayList<>(rssKb);
    Collections.sort(sorted);
    double cpuPct = 100.0 * ticks / CLOCK_TICKS_PER_SECOND / seconds;
    int total = published.values().stream().mapToInt(Integer::intValue).sum();
    double expected = targets * 3 * seconds / interval;
    System.out.println();
    System.out.println("== probe footprint ==");
    System.out.printf("measured over           %.0f s (%d RSS samples)%n", seconds, sorted.size());
    System.out.printf(
        "RSS                     p50 %.1f MB, p95 %.1f MB, max %.1f MB (VmHWM since start %.1f MB)%n",
        mb(percentile(sorted, 0.50)),
        mb(percentile(sorted, 0.95)),
        mb(sorted.get(sorted.size() - 1)),
        mb(peakKb));
    System.out.printf("CPU                     %.2f %% of one core (%d ticks)%n", cpuPct, ticks);
    System.out.printf(
        "measurements published  %d (%.0f expected: %d targets x 3 tests x %.0f s / %d s)%n",
        total, expected, targets, seconds, interval);
    published.forEach((test, n) -> System.out.printf("  %-22s %d%n", test, n));
    System.out.printf(
        "budget (seed): RSS <= 50 MB: %s; CPU <= 5 %%: %s%n",
        mb(sorted.get(sorted.size() - 1)) <= 50 ? "met" : "NOT met",
        cpuPct <= 5 ? "met" : "NOT met");
  }

  private static long percentile(List<Long> sorted, double q) {
    int i = (int) Math.ceil(q * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
  }

  private static double mb(long kb) {
    return kb / 1024.0;
  }

  static {
    // Make sure the report's text is UTF-8 whatever the platform default.
    System.setOut(new java.io.PrintStream(System.out, true, StandardCharsets.UTF_8));
  }
}
