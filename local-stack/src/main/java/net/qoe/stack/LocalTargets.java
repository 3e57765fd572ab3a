package net.qoe.stack;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import net.qoe.probe.Probe;
import net.qoe.probe.config.ProbeConfig;
import net.qoe.probe.responder.DelayHttpServer;
import net.qoe.probe.responder.Responder;

/**
 * What the local stack measures, and who measures it: a responder (UDP echo), an HTTP target with
 * adjustable delay, and two probes publishing to Kafka. {@link #tick()} drives the scripted fault:
 * extra latency on the HTTP target for a while, then back to normal.
 */
final class LocalTargets implements AutoCloseable {

  private final StackOptions options;
  private final PrintStream out;
  private final Responder responder;
  private final DelayHttpServer http;
  private final List<Probe> probes = new ArrayList<>();
  private final long startNanos = System.nanoTime();
  private boolean faultOn;
  private boolean faultDone;

  private LocalTargets(
      StackOptions options, PrintStream out, Responder responder, DelayHttpServer http) {
    this.options = options;
    this.out = out;
    this.responder = responder;
    this.http = http;
  }

  static LocalTargets start(String bootstrapServers, StackOptions options, PrintStream out)
      throws IOException {
    Responder responder = Responder.onLoopback().start();
    DelayHttpServer http = DelayHttpServer.http("127.0.0.1", 0).start();
    http.setDelayMs(20);
    LocalTargets targets = new LocalTargets(options, out, responder, http);
    try {
      // Several runs per window so percentiles mean something; the window is 10 s by default.
      double interval = Math.max(1.0, Math.min(5.0, options.window().toMillis() / 5000.0));
      targets.startProbe(bootstrapServers, "probe-a", interval, true);
      targets.startProbe(bootstrapServers, "probe-b", interval, false);
    } catch (RuntimeException e) {
      targets.close();
      throw e;
    }
    return targets;
  }

  private void startProbe(String bootstrapServers, String probeId, double intervalS, boolean udp) {
    String yaml =
        """
        probe_id: %s
        kafka:
          bootstrap_servers: %s
        defaults:
          interval_s: %s
          timeout_ms: 5000
        targets:
          - name: http-local
            host: 127.0.0.1
            port: %d
            tests:
              - type: http
                url: %s
              - type: tcp
        """
            .formatted(probeId, bootstrapServers, intervalS, http.port(), http.url());
    if (udp) {
      yaml +=
          """
            - name: udp-echo
              host: 127.0.0.1
              port: %d
              tests:
                - type: udp
                  packets: 20
          """
              .formatted(responder.udpPort());
    }
    probes.add(Probe.withKafka(ProbeConfig.fromYaml(yaml).build()).start());
  }

  String describe() {
    return "HTTP "
        + http.url()
        + " (20 ms), UDP echo 127.0.0.1:"
        + responder.udpPort()
        + "; probes probe-a, probe-b";
  }

  /** Advances the fault script; called about once a second. */
  void tick() {
    Duration elapsed = Duration.ofNanos(System.nanoTime() - startNanos);
    if (!faultOn && !faultDone && elapsed.compareTo(options.faultAfter()) >= 0) {
      faultOn = true;
      http.setDelayMs(20 + options.faultDelayMs());
      out.printf("%n[fault] +%d ms latency on the HTTP target now%n", options.faultDelayMs());
    } else if (faultOn
        && elapsed.compareTo(options.faultAfter().plus(options.faultLength())) >= 0) {
      faultOn = false;
      faultDone = true;
      http.setDelayMs(20);
      out.printf("%n[fault] HTTP target back to normal%n");
    }
  }

  @Override
  public void close() {
    for (Probe p : probes) {
      p.close();
    }
    http.close();
    responder.close();
  }
}
