package net.qoe.probe.status;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import net.qoe.probe.config.StatusSettings;
import net.qoe.probe.publish.DeliveryStats;
import net.qoe.probe.publish.PublishLatency;
import net.qoe.probe.schedule.RunStats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The probe's status over HTTP: {@code /healthz} (200 and a small JSON body while the probe runs)
 * and {@code /metrics} in the Prometheus text format. One thread; scrapes are rare and cheap.
 */
public final class StatusServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(StatusServer.class);

  private final HttpServer server;
  private final String probeId;
  private final TestCounts counts;
  private final Supplier<RunStats> runStats;
  private final DeliveryStats delivery;
  private final long startedMs = System.currentTimeMillis();
  private volatile AutoPerfView autoperf;

  /**
   * @param delivery the publishing sink's figures, or null when the sink reports none
   */
  public StatusServer(
      StatusSettings settings,
      String probeId,
      TestCounts counts,
      Supplier<RunStats> runStats,
      DeliveryStats delivery) {
    this.probeId = probeId;
    this.counts = counts;
    this.runStats = runStats;
    this.delivery = delivery;
    try {
      server = HttpServer.create(new InetSocketAddress(settings.bind(), settings.port()), 16);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "status: cannot listen on "
              + settings.bind()
              + ":"
              + settings.port()
              + " ("
              + e.getMessage()
              + "); pick another status.port",
          e);
    }
    server.setExecutor(
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "probe-status");
              t.setDaemon(true);
              return t;
            }));
    server.createContext("/healthz", this::healthz);
    server.createContext("/metrics", this::metrics);
    server.createContext("/api/autoperf/status", this::autoperfStatus);
    server.createContext("/api/autoperf/triggers", this::autoperfTriggers);
  }

  /** Serves AutoPerf's status and triggers, and adds its counters to /metrics. */
  public StatusServer withAutoPerf(AutoPerfView view) {
    this.autoperf = view;
    return this;
  }

  private void autoperfStatus(HttpExchange exchange) throws IOException {
    AutoPerfView view = autoperf;
    respond(
        exchange,
        200,
        "application/json",
        view == null
            ? "{\"enabled\":false,\"current_tier\":1,\"triggers\":[]}\n"
            : view.statusJson() + "\n");
  }

  private void autoperfTriggers(HttpExchange exchange) throws IOException {
    AutoPerfView view = autoperf;
    respond(
        exchange,
        200,
        "application/json",
        view == null ? "{\"triggers\":[]}\n" : view.triggersJson() + "\n");
  }

  public StatusServer start() {
    server.start();
    LOG.info(
        "status: serving /healthz, /metrics and /api/autoperf/{status,triggers} on {}", address());
    return this;
  }

  public InetSocketAddress address() {
    return server.getAddress();
  }

  private void healthz(HttpExchange exchange) throws IOException {
    String body =
        String.format(
            Locale.ROOT,
            "{\"status\":\"ok\",\"probe_id\":\"%s\",\"uptime_s\":%d,\"spool_entries\":%d}\n",
            probeId.replace("\\", "\\\\").replace("\"", "\\\""),
            (System.currentTimeMillis() - startedMs) / 1000,
            delivery == null ? 0 : delivery.spoolEntries());
    respond(exchange, 200, "application/json", body);
  }

  private void metrics(HttpExchange exchange) throws IOException {
    respond(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", render());
  }

  /** The metrics page, in the Prometheus text exposition format. */
  public String render() {
    StringBuilder out = new StringBuilder();
    String probe = "probe_id=\"" + escape(probeId) + "\"";
    Map<String, TestCounts.Count> byTest = counts.byTest();
    header(out, "qoe_probe_tests_run_total", "counter", "Test runs by test type.");
    byTest.forEach(
        (test, c) ->
            line(
                out,
                "qoe_probe_tests_run_total",
                probe + ",test=\"" + escape(test) + "\"",
                c.run()));
    header(out, "qoe_probe_tests_failed_total", "counter", "Test runs with ok=false by test type.");
    byTest.forEach(
        (test, c) ->
            line(
                out,
                "qoe_probe_tests_failed_total",
                probe + ",test=\"" + escape(test) + "\"",
                c.failed()));
    RunStats stats = runStats.get();
    gauge(
        out,
        "qoe_probe_runs_timed_out_total",
        "counter",
        "Runs that overran their timeout.",
        probe,
        stats.timedOut());
    gauge(
        out,
        "qoe_probe_runs_skipped_total",
        "counter",
        "Due runs skipped because the previous run was still going.",
        probe,
        stats.skipped());
    long published =
        delivery == null ? stats.measurements() - stats.dropped() : delivery.published();
    gauge(
        out,
        "qoe_probe_measurements_published_total",
        "counter",
        "Measurements acknowledged by Kafka (or taken by the sink).",
        probe,
        published);
    gauge(
        out,
        "qoe_probe_measurements_failed_total",
        "counter",
        "Failed delivery attempts.",
        probe,
        delivery == null ? stats.sinkErrors() : delivery.failed());
    gauge(
        out,
        "qoe_probe_measurements_spooled_total",
        "counter",
        "Measurements written to the disk spool.",
        probe,
        delivery == null ? 0 : delivery.spooled());
    gauge(
        out,
        "qoe_probe_measurements_dropped_total",
        "counter",
        "Measurements lost: full spool or publish queue.",
        probe,
        stats.dropped() + (delivery == null ? 0 : delivery.dropped()));
    gauge(
        out,
        "qoe_probe_measurements_rejected_total",
        "counter",
        "Measurements Kafka would never take (over max.request.size, invalid): dropped, logged.",
        probe,
        delivery == null ? 0 : delivery.rejected());
    gauge(
        out,
        "qoe_probe_spool_entries",
        "gauge",
        "Measurements waiting in the disk spool.",
        probe,
        delivery == null ? 0 : delivery.spoolEntries());
    gauge(
        out,
        "qoe_probe_spool_bytes",
        "gauge",
        "Bytes of the disk spool.",
        probe,
        delivery == null ? 0 : delivery.spoolBytes());
    PublishLatency latency = delivery == null ? new PublishLatency() : delivery.latency();
    header(
        out,
        "qoe_probe_publish_latency_ms",
        "summary",
        "From handing a measurement to the producer to the broker's acknowledgement.");
    line(out, "qoe_probe_publish_latency_ms_count", probe, latency.count());
    line(out, "qoe_probe_publish_latency_ms_sum", probe, latency.sumMs());
    gauge(
        out,
        "qoe_probe_publish_latency_max_ms",
        "gauge",
        "The longest publish latency seen.",
        probe,
        latency.maxMs());
    AutoPerfView view = autoperf;
    if (view != null) {
      out.append(view.metrics(probe));
    }
    return out.toString();
  }

  private static void header(StringBuilder out, String name, String type, String help) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }

  private static void gauge(
      StringBuilder out, String name, String type, String help, String labels, double value) {
    header(out, name, type, help);
    line(out, name, labels, value);
  }

  private static void line(StringBuilder out, String name, String labels, double value) {
    out.append(name).append('{').append(labels).append("} ");
    if (value == Math.rint(value) && Math.abs(value) < 1e15) {
      out.append((long) value);
    } else {
      out.append(value);
    }
    out.append('\n');
  }

  private static String escape(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }

  private static void respond(HttpExchange exchange, int status, String type, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream os = exchange.getResponseBody()) {
      os.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }
}
