package net.qoe.job.escalation;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import net.qoe.job.ingest.MeasurementValidator;
import net.qoe.job.window.MetricSummary;
import net.qoe.job.window.SeriesAggregate;
import net.qoe.job.window.Sketches;
import net.qoe.kafka.message.Measurement;

/**
 * The AutoPerf thresholds applied to one window of one series, or to one raw measurement for the
 * fast path. Every breach is a sentence with the numbers in it.
 */
public final class Thresholds {

  private final AutoPerfConfig config;

  public Thresholds(AutoPerfConfig config) {
    this.config = config;
  }

  /** Tier-1 breaches: latency, loss, HTTP response, DNS, and runs that all failed. */
  public List<String> tier1(SeriesAggregate a) {
    List<String> out = new ArrayList<>();
    if (a.count() > 0 && a.okCount() == 0 && networkFailures(a) > 0) {
      out.add(
          String.format(
              Locale.ROOT, "%s: all %d runs failed %s", a.test(), a.count(), a.errorsByStage()));
    }
    MetricSummary rtt = a.metrics().get("rtt_ms");
    if (rtt != null && rtt.mean() > config.pingLatencyMs()) {
      out.add(
          String.format(
              Locale.ROOT,
              "%s latency avg %.0f ms > %.0f ms",
              a.test(),
              rtt.mean(),
              config.pingLatencyMs()));
    }
    if (a.lossPct() != null && a.lossPct() > config.packetLossPct()) {
      out.add(
          String.format(
              Locale.ROOT,
              "%s packet loss %.1f %% > %.0f %%",
              a.test(),
              a.lossPct(),
              config.packetLossPct()));
    }
    MetricSummary total = a.metrics().get("total_ms");
    if ("http".equals(a.test()) && total != null && total.p95() > config.httpResponseMs()) {
      out.add(
          String.format(
              Locale.ROOT,
              "http total p95 %.0f ms > %.0f ms",
              total.p95(),
              config.httpResponseMs()));
    }
    MetricSummary dns = a.metrics().get("dns_ms");
    if (dns != null && dns.p95() > config.dnsTimeoutMs()) {
      out.add(
          String.format(
              Locale.ROOT,
              "%s dns p95 %.0f ms > %.0f ms",
              a.test(),
              dns.p95(),
              config.dnsTimeoutMs()));
    }
    return out;
  }

  /**
   * Failed runs that say something about the network: not those that could not run on the probe's
   * host (a missing tool: stage "unavailable") or failed inside the probe (stage "internal").
   * Otherwise a probe without mtr would hold its targets in tier 2 for good.
   */
  static long networkFailures(SeriesAggregate a) {
    long failures = a.count() - a.okCount();
    for (String notNetwork : NOT_NETWORK_STAGES) {
      failures -= a.errorsByStage().getOrDefault(notNetwork, 0L);
    }
    return failures;
  }

  private static final List<String> NOT_NETWORK_STAGES = List.of("unavailable", "internal");

  /** Tier-2 breaches: bandwidth (its low tail), jitter, hop count, certificate expiry. */
  public List<String> tier2(SeriesAggregate a) {
    List<String> out = new ArrayList<>();
    MetricSummary throughput = a.metrics().get("throughput_mbps");
    if (throughput != null) {
      double p5 = lowTail(throughput);
      if (p5 < config.bandwidthMbps()) {
        out.add(
            String.format(
                Locale.ROOT, "throughput p5 %.1f Mbps < %.0f Mbps", p5, config.bandwidthMbps()));
      }
    }
    Double jitter = a.jitterMs();
    MetricSummary jitterMetric = a.metrics().get("jitter_ms");
    if (jitter == null && jitterMetric != null) {
      jitter = jitterMetric.mean();
    }
    if (jitter != null && jitter > config.jitterMs()) {
      out.add(
          String.format(
              Locale.ROOT, "%s jitter %.1f ms > %.0f ms", a.test(), jitter, config.jitterMs()));
    }
    MetricSummary hops = a.metrics().get("hops");
    if (hops != null && hops.max() > config.hopCount()) {
      out.add(String.format(Locale.ROOT, "hops %.0f > %d", hops.max(), config.hopCount()));
    }
    MetricSummary cert = a.metrics().get("cert_days_left");
    if (cert != null && cert.min() < config.sslExpiryDays()) {
      out.add(
          String.format(
              Locale.ROOT,
              "certificate expires in %.1f days < %.0f days",
              cert.min(),
              config.sslExpiryDays()));
    }
    return out;
  }

  /**
   * The parts of a run that {@link #hardBreach} and the escalator's fast path read: the run without
   * its RTT list and without metrics other than {@code total_ms}. The runs {@link FastPathRuns}
   * passes on go to the escalator over the network, keyed by probe; sent whole, their packets and
   * phase timings made them several times larger. {@code hardBreach} of the view is that of the
   * run.
   */
  public static Measurement fastPathView(Measurement m) {
    Double total = m.metrics().get(TOTAL_MS);
    return new Measurement(
        m.schema(),
        m.eventId(),
        m.probeId(),
        m.target(),
        m.test(),
        m.tier(),
        m.tsMs(),
        m.ok(),
        m.error(),
        null,
        m.sent(),
        m.received(),
        total == null ? Map.of() : Map.of(TOTAL_MS, total));
  }

  private static final String TOTAL_MS = "total_ms";

  /**
   * Whether a single run is bad enough to count towards the fast path: it failed, or one run alone
   * is over a tier-1 threshold. The same decision as {@link #hardBreach}, without building the
   * sentence: {@link FastPathRuns} asks this of every unique run.
   */
  public boolean isHardBreach(Measurement m) {
    return breachOf(m) != Breach.NONE;
  }

  /**
   * A single run bad enough to count towards the fast path ({@link #isHardBreach}), as a sentence
   * with its numbers; null when it is not one.
   */
  public String hardBreach(Measurement m) {
    return switch (breachOf(m)) {
      case NONE -> null;
      case FAILED ->
          m.test()
              + " run failed"
              + (m.error() == null
                  ? ""
                  : " (" + m.error().stage() + ": " + quoted(m.error().message()) + ")");
      case HTTP_TOTAL ->
          String.format(
              Locale.ROOT,
              "http total %.0f ms > %.0f ms",
              m.metrics().get(TOTAL_MS),
              config.httpResponseMs());
      case PACKET_LOSS ->
          String.format(
              Locale.ROOT,
              "%s packet loss %.0f %% > %.0f %%",
              m.test(),
              lossPct(m),
              config.packetLossPct());
    };
  }

  private enum Breach {
    NONE,
    FAILED,
    HTTP_TOTAL,
    PACKET_LOSS
  }

  private Breach breachOf(Measurement m) {
    if (!m.ok()) {
      return Breach.FAILED;
    }
    Double total = m.metrics().get(TOTAL_MS);
    if ("http".equals(m.test()) && total != null && total > config.httpResponseMs()) {
      return Breach.HTTP_TOTAL;
    }
    if (m.sent() != null && m.sent() > 0 && m.received() != null) {
      if (lossPct(m) > config.packetLossPct()) {
        return Breach.PACKET_LOSS;
      }
    }
    return Breach.NONE;
  }

  /** Of a run whose {@code sent} is positive and {@code received} known. */
  private static double lossPct(Measurement m) {
    return 100.0 * (m.sent() - m.received()) / m.sent();
  }

  private static double lowTail(MetricSummary m) {
    try {
      return Math.max(m.min(), Sketches.decode(m.sketch()).getValueAtQuantile(0.05));
    } catch (IOException e) {
      return m.min();
    }
  }

  /** The longest part of a probe's error message a sentence quotes. */
  static final int MAX_QUOTED_CHARS = 200;

  /**
   * A probe's error message as the sentence of a tier change quotes it, which goes into a command
   * and a table row: at most {@link #MAX_QUOTED_CHARS} characters, control characters (a NUL, which
   * PostgreSQL refuses, or a tool's newlines) as spaces.
   */
  static String quoted(String message) {
    if (message == null) {
      return "";
    }
    String cut =
        message.length() <= MAX_QUOTED_CHARS
            ? message
            : message.substring(0, MAX_QUOTED_CHARS) + "…";
    StringBuilder out = new StringBuilder(cut.length());
    for (int i = 0; i < cut.length(); i++) {
      char c = cut.charAt(i);
      out.append(
          Character.isISOControl(c) || MeasurementValidator.isUnpairedSurrogate(cut, i) ? ' ' : c);
    }
    return out.toString();
  }
}
