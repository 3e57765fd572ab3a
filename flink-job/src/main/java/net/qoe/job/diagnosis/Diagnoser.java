package net.qoe.job.diagnosis;

import static net.qoe.job.baseline.Headlines.CONNECT;
import static net.qoe.job.baseline.Headlines.DNS;
import static net.qoe.job.baseline.Headlines.HOPS;
import static net.qoe.job.baseline.Headlines.JITTER;
import static net.qoe.job.baseline.Headlines.LOSS;
import static net.qoe.job.baseline.Headlines.RTT;
import static net.qoe.job.baseline.Headlines.THROUGHPUT;
import static net.qoe.job.baseline.Headlines.TLS;
import static net.qoe.job.baseline.Headlines.TOTAL;
import static net.qoe.job.baseline.Headlines.TTFB;

import java.io.Serializable;
import java.util.Locale;
import net.qoe.job.baseline.MetricScore;
import net.qoe.job.baseline.ScoredWindow;
import net.qoe.job.window.MetricSummary;

/**
 * Names the likely cause of a window from which of its headlines moved against their baselines,
 * most specific first: an expiring certificate, a changed path, loss, then the HTTP phase that grew
 * (DNS, handshake, server), then latency and jitter together (congestion), then throughput. The
 * certificate and the path are facts and are named in any window; the causes read from scores only
 * in windows that are anomalous (confirmed alarms).
 */
public final class Diagnoser implements Serializable {

  private static final long serialVersionUID = 1L;

  private final double threshold;
  private final double certDays;

  /**
   * @param threshold the score from which a headline counts as degraded
   * @param certDays certificates expiring sooner than this are flagged
   */
  public Diagnoser(double threshold, double certDays) {
    this.threshold = threshold;
    this.certDays = certDays;
  }

  public Diagnosis diagnose(ScoredWindow w) {
    MetricSummary cert = w.aggregate().metrics().get("cert_days_left");
    if (cert != null && cert.min() < certDays) {
      return new Diagnosis(
          Diagnosis.CERT_EXPIRING,
          String.format(
              Locale.ROOT, "certificate expires in %.1f days (< %.0f)", cert.min(), certDays));
    }
    MetricScore hops = w.scores().get(HOPS);
    if (hops != null && Math.round(hops.value()) != Math.round(hops.expected())) {
      return new Diagnosis(
          Diagnosis.PATH_CHANGE,
          String.format(
              Locale.ROOT, "path changed: %.0f hops, usually %.0f", hops.value(), hops.expected()));
    }
    if (!w.anomalous()) {
      // a suspect window that is not (yet) an alarm gets no score-based cause: one noisy window
      // explained as "server-bound" would be a false alarm by another name
      return Diagnosis.normal();
    }
    if (up(w, LOSS)) {
      return new Diagnosis(Diagnosis.LOSS, "packet " + describe("loss", w.scores().get(LOSS), "%"));
    }
    if (up(w, DNS)) {
      return new Diagnosis(Diagnosis.DNS_BOUND, describe("dns p95", w.scores().get(DNS), "ms"));
    }
    boolean handshake = up(w, CONNECT) || up(w, TLS);
    if (handshake && !up(w, TTFB)) {
      String which = up(w, TLS) && !up(w, CONNECT) ? TLS : CONNECT;
      return new Diagnosis(
          Diagnosis.HANDSHAKE_BOUND,
          describe(which.startsWith("tls") ? "tls p95" : "connect p95", w.scores().get(which), "ms")
              + " while the server answers as usual");
    }
    if (up(w, TTFB) && !handshake) {
      return new Diagnosis(
          Diagnosis.SERVER_BOUND,
          describe("ttfb p95", w.scores().get(TTFB), "ms") + " while connect and tls are normal");
    }
    String latency = w.scores().containsKey(RTT) ? RTT : TOTAL;
    boolean latencyUp = up(w, latency);
    // jitter moving by half the threshold alongside latency is the congestion signature
    boolean jitterUp = w.score(JITTER) >= threshold / 2;
    if (latencyUp && jitterUp) {
      return new Diagnosis(
          Diagnosis.CONGESTION,
          describe(latency.equals(RTT) ? "rtt p95" : "total p95", w.scores().get(latency), "ms")
              + " and "
              + describe("jitter", w.scores().get(JITTER), "ms")
              + " together");
    }
    if (up(w, JITTER)) {
      return new Diagnosis(Diagnosis.JITTER, describe("jitter", w.scores().get(JITTER), "ms"));
    }
    if (latencyUp) {
      return new Diagnosis(
          Diagnosis.LATENCY,
          describe(latency.equals(RTT) ? "rtt p95" : "total p95", w.scores().get(latency), "ms"));
    }
    if (up(w, THROUGHPUT)) {
      return new Diagnosis(
          Diagnosis.THROUGHPUT_BOUND,
          describe("throughput p50", w.scores().get(THROUGHPUT), "Mbps"));
    }
    return Diagnosis.normal();
  }

  private boolean up(ScoredWindow w, String headline) {
    return w.score(headline) >= threshold;
  }

  private static String describe(String what, MetricScore s, String unit) {
    return String.format(
        Locale.ROOT,
        "%s %s %s vs %s %s usual (%.1f σ)",
        what,
        number(s.value()),
        unit,
        number(s.expected()),
        unit,
        s.score());
  }

  private static String number(double v) {
    return Math.abs(v) >= 100
        ? String.format(Locale.ROOT, "%.0f", v)
        : String.format(Locale.ROOT, "%.1f", v);
  }
}
