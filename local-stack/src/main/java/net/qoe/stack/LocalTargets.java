package net.qoe.stack;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.qoe.probe.Probe;
import net.qoe.probe.autoperf.AutoPerf;
import net.qoe.probe.autoperf.TierRunner;
import net.qoe.probe.config.ProbeConfig;
import net.qoe.probe.responder.DelayHttpServer;
import net.qoe.probe.responder.Responder;
import net.qoe.probe.responder.TcpSink;

/**
 * What the local stack measures, and who measures it: a responder (UDP echo), an HTTP target with
 * adjustable delay, a TCP sink for bandwidth tests, and two probes publishing to Kafka that also
 * take the job's tier commands (AutoPerf). {@link #tick()} drives the scripted fault: extra latency
 * on the HTTP target for a while, then back to normal; and it prints every tier a probe starts or
 * stops running for a target.
 */
final class LocalTargets implements AutoCloseable {

  private final StackOptions options;
  private final PrintStream out;
  private final Responder responder;
  private final DelayHttpServer http;
  private final TcpSink sink;
  private final String commandSecret;
  private final List<Probe> probes = new ArrayList<>();
  private final Map<String, Integer> tierShown = new HashMap<>();
  private final long startNanos = System.nanoTime();
  private boolean faultOn;
  private boolean faultDone;

  private LocalTargets(
      StackOptions options,
      PrintStream out,
      Responder responder,
      DelayHttpServer http,
      TcpSink sink,
      String commandSecret) {
    this.options = options;
    this.out = out;
    this.responder = responder;
    this.http = http;
    this.sink = sink;
    this.commandSecret = commandSecret;
  }

  /**
   * @param commandSecret the secret the job signs its tier commands with
   */
  static LocalTargets start(
      String bootstrapServers, StackOptions options, PrintStream out, String commandSecret)
      throws IOException {
    Responder responder = Responder.onLoopback().start();
    DelayHttpServer http = DelayHttpServer.http("127.0.0.1", 0).start();
    http.setDelayMs(20);
    TcpSink sink = TcpSink.onLoopback().start();
    LocalTargets targets = new LocalTargets(options, out, responder, http, sink, commandSecret);
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
        autoperf:
          enabled: true
          command_secret: "%s"
          tier2:
            interval: %s
            tests: [http_trace, extended_ping, mtr, {name: iperf3_quick, duration: 1, port: %d}]
          tier3:
            interval: %s
            tests: [system_diagnostics, mtr_extended, {name: iperf3_full, duration: 3, port: %d}]
          resource_limits:
            tier2: {test_timeout: 20s, max_concurrent: 2}
            tier3: {test_timeout: 60s, max_concurrent: 1}
        targets:
          - name: http-local
            host: 127.0.0.1
            port: %d
            tests:
              - type: http
                url: %s
              - type: tcp
        """
            .formatted(
                probeId,
                bootstrapServers,
                intervalS,
                commandSecret,
                intervalS * 2,
                sink.port(),
                intervalS * 4,
                sink.port(),
                http.port(),
                http.url());
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
        + ", TCP sink 127.0.0.1:"
        + sink.port()
        + "; probes probe-a, probe-b (AutoPerf on)";
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
    printTierChanges();
  }

  /** One line whenever a probe starts running another tier's suite for a target. */
  private void printTierChanges() {
    for (Probe p : probes) {
      AutoPerf autoperf = p.autoPerf().orElse(null);
      if (autoperf == null) {
        continue;
      }
      for (TierRunner.TargetState state : autoperf.runner().states()) {
        String key = p.config().probeId() + " " + state.target();
        Integer before = tierShown.put(key, state.tier());
        if (before == null ? state.tier() != 1 : before != state.tier()) {
          out.printf(
              "%n[probe] %s -> %s: running tier %d%s%n",
              p.config().probeId(),
              state.target(),
              state.tier(),
              state.tier() > 1 ? " suite " + state.tests() : " (light tests only)");
        }
      }
    }
  }

  @Override
  public void close() {
    for (Probe p : probes) {
      p.close();
    }
    http.close();
    responder.close();
    try {
      sink.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
