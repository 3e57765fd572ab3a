package net.qoe.kafka.embedded;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node Kafka 4.2 (KRaft, combined broker and controller) in this JVM, listening on
 * 127.0.0.1 only. Used by the tests and by the local stack; it needs the optional Kafka server
 * dependencies of this module on the classpath, and no test jars.
 *
 * <p>Start-up writes a KRaft configuration, formats the storage directory when it is new (with
 * Kafka's own {@link Formatter}, the logic behind {@code kafka-storage.sh format}, which never
 * exits the JVM), starts a {@link KafkaRaftServer}, and returns once an Admin client gets an answer
 * to {@code describeCluster}.
 *
 * <p>{@link #stop()} and {@link #restart()} keep the port and the data, so clients reconnect to the
 * same address and find the same topics and offsets, as they would after a real broker outage.
 * {@link #close()} also deletes the data directory, but only if this class created it.
 *
 * <p>Note: the broker's fatal-fault handler is Kafka's own, which halts the JVM on an unrecoverable
 * metadata fault, as a real broker would.
 */
public final class EmbeddedKafka implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);

  /** How long {@link #start} and {@link #restart} wait for the broker to answer. */
  public static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

  private static final int NODE_ID = 1;
  private static final String CONTROLLER_LISTENER = "CONTROLLER";

  /** Free ports are picked, then bound by the broker; another process may win that race. */
  private static final int BIND_ATTEMPTS = 3;

  private final Path dataDir;
  private final boolean ownsDataDir;
  private int port;
  private int controllerPort;
  private KafkaRaftServer server;
  private boolean closed;

  private EmbeddedKafka(Path dataDir, boolean ownsDataDir) {
    this.dataDir = dataDir;
    this.ownsDataDir = ownsDataDir;
  }

  /**
   * Starts a broker with its data in {@code dataDir} (created if missing, formatted if new) on
   * {@code port} of 127.0.0.1, or on a free port when {@code port} is 0, and returns once it serves
   * requests. An existing, already formatted directory is reused with its topics and offsets.
   *
   * @throws IllegalStateException if the broker does not start or answer within {@link
   *     #READY_TIMEOUT}; nothing is left running then
   */
  public static EmbeddedKafka start(Path dataDir, int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0 (any free port) or 1-65535: " + port);
    }
    boolean created = !Files.exists(dataDir);
    try {
      Files.createDirectories(dataDir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the Kafka data directory " + dataDir, e);
    }
    return start(new EmbeddedKafka(dataDir, created), port);
  }

  /**
   * Starts a broker on a free port with its data in a new temporary directory, deleted on close.
   */
  public static EmbeddedKafka start() {
    try {
      return start(new EmbeddedKafka(Files.createTempDirectory("qoe-kafka"), true), 0);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary Kafka data directory", e);
    }
  }

  private static EmbeddedKafka start(EmbeddedKafka kafka, int requestedPort) {
    try {
      kafka.format();
      kafka.firstStart(requestedPort);
      return kafka;
    } catch (RuntimeException e) {
      kafka.close();
      throw e;
    }
  }

  /** {@code 127.0.0.1:port}, for {@code bootstrap.servers}; the same after a restart. */
  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  /** The client port; the same after a restart. */
  public int port() {
    return port;
  }

  /** The directory holding the broker's logs and metadata. */
  public Path dataDir() {
    return dataDir;
  }

  public synchronized boolean isRunning() {
    return server != null;
  }

  /**
   * Stops the broker, keeping its port and data for {@link #restart()}. Does nothing if stopped.
   */
  public synchronized void stop() {
    if (server == null) {
      return;
    }
    long t0 = System.nanoTime();
    KafkaRaftServer s = server;
    server = null;
    s.shutdown();
    s.awaitShutdown();
    LOG.debug("embedded Kafka on {} stopped in {} ms", bootstrapServers(), millisSince(t0));
  }

  /**
   * Starts the stopped broker again on the same port with the same data, and returns once it serves
   * requests. Does nothing if it is running.
   *
   * @throws IllegalStateException if it was closed, or does not come back within {@link
   *     #READY_TIMEOUT} (for example because something else took its port meanwhile)
   */
  public synchronized void restart() {
    if (closed) {
      throw new IllegalStateException("the embedded Kafka broker has been closed");
    }
    if (server == null) {
      startServer();
    }
  }

  /** Stops the broker and deletes its data directory if {@link #start} created it. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    stop();
    if (ownsDataDir) {
      deleteRecursively(dataDir);
    }
  }

  private synchronized void firstStart(int requestedPort) {
    for (int attempt = 1; ; attempt++) {
      port = requestedPort == 0 ? freePort() : requestedPort;
      controllerPort = freePort();
      try {
        startServer();
        return;
      } catch (RuntimeException e) {
        // Ports picked here can be taken between picking and binding: pick others. A failure on a
        // port the caller asked for, or any other failure, is reported as is.
        if (requestedPort != 0 || !hasCause(e, BindException.class) || attempt >= BIND_ATTEMPTS) {
          throw e;
        }
        LOG.debug("port race on start-up, retrying with other ports", e);
      }
    }
  }

  private Properties properties() {
    Properties p = new Properties();
    p.put("process.roles", "broker,controller");
    p.put("node.id", Integer.toString(NODE_ID));
    p.put("controller.quorum.voters", NODE_ID + "@127.0.0.1:" + controllerPort);
    p.put(
        "listeners",
        "PLAINTEXT://127.0.0.1:"
            + port
            + ","
            + CONTROLLER_LISTENER
            + "://127.0.0.1:"
            + controllerPort);
    p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
    p.put("controller.listener.names", CONTROLLER_LISTENER);
    p.put("inter.broker.listener.name", "PLAINTEXT");
    p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.put("log.dirs", logDir().toString());
    p.put("metadata.log.dir", logDir().toString());
    // One node: every internal topic has one replica, and few partitions keep start-up quick.
    p.put("offsets.topic.replication.factor", "1");
    p.put("offsets.topic.num.partitions", "3");
    p.put("transaction.state.log.replication.factor", "1");
    p.put("transaction.state.log.min.isr", "1");
    p.put("transaction.state.log.num.partitions", "3");
    p.put("share.coordinator.state.topic.replication.factor", "1");
    p.put("share.coordinator.state.topic.min.isr", "1");
    p.put("group.initial.rebalance.delay.ms", "0");
    // Topics come from TopicCreator only, so a typo in a topic name fails instead of creating one.
    p.put("auto.create.topics.enable", "false");
    p.put("num.partitions", "1");
    // Flink's exactly-once KafkaSink keeps transactions open across checkpoints (its default
    // transaction.timeout.ms is one hour, above the broker's default maximum of 15 minutes).
    p.put("transaction.max.timeout.ms", Long.toString(TimeUnit.HOURS.toMillis(1)));
    // The compaction buffer is allocated on the heap at start-up: 128 MB by default, far more than
    // the few compacted internal topics of one node need, and the JVM is shared with the caller.
    p.put("log.cleaner.dedupe.buffer.size", Integer.toString(8 * 1024 * 1024));
    p.put("log.retention.check.interval.ms", "60000");
    return p;
  }

  private Path logDir() {
    return dataDir.resolve("kraft-logs");
  }

  /** Formats new storage the way {@code kafka-storage.sh format} does, without exiting the JVM. */
  private void format() {
    if (Files.exists(logDir().resolve("meta.properties"))) {
      return;
    }
    try (PrintStream quiet = new PrintStream(OutputStream.nullOutputStream())) {
      new Formatter()
          .setPrintStream(quiet)
          .setNodeId(NODE_ID)
          .setClusterId(Uuid.randomUuid().toString())
          .setDirectories(List.of(logDir().toString()))
          .setMetadataLogDirectory(logDir().toString())
          .setControllerListenerName(CONTROLLER_LISTENER)
          .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
          .run();
    } catch (Exception e) {
      throw new IllegalStateException("cannot format Kafka storage in " + logDir() + ": " + e, e);
    }
  }

  private void startServer() {
    long t0 = System.nanoTime();
    KafkaRaftServer s = new KafkaRaftServer(new KafkaConfig(properties(), false), Time.SYSTEM);
    try {
      s.startup();
      awaitReady();
    } catch (RuntimeException e) {
      shutdownQuietly(s);
      throw new IllegalStateException(
          "the embedded Kafka broker did not start on " + bootstrapServers() + ": " + e, e);
    }
    server = s;
    LOG.info("embedded Kafka ready on {} in {} ms", bootstrapServers(), millisSince(t0));
  }

  private void awaitReady() {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "5000");
    props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "200");
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    Exception last = null;
    try (Admin admin = Admin.create(props)) {
      while (System.nanoTime() < deadline) {
        try {
          if (!admin
              .describeCluster(new DescribeClusterOptions().timeoutMs(5000))
              .nodes()
              .get(10, TimeUnit.SECONDS)
              .isEmpty()) {
            return;
          }
        } catch (ExecutionException | TimeoutException e) {
          last = e;
        }
        TimeUnit.MILLISECONDS.sleep(100);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the broker", e);
    }
    throw new IllegalStateException(
        "no answer to describeCluster within " + READY_TIMEOUT.toSeconds() + " s", last);
  }

  private static void shutdownQuietly(KafkaRaftServer s) {
    try {
      s.shutdown();
      s.awaitShutdown();
    } catch (RuntimeException e) {
      LOG.debug("while shutting down a broker that failed to start", e);
    }
  }

  private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
    for (int depth = 0; t != null && depth < 20; depth++, t = t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }

  private static long millisSince(long t0) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      LOG.warn("cannot delete the Kafka data directory {}: {}", dir, e.toString());
    }
  }
}
