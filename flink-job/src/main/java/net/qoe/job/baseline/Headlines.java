package net.qoe.job.baseline;

import java.util.LinkedHashMap;
import java.util.Map;
import net.qoe.job.window.MetricSummary;
import net.qoe.job.window.SeriesAggregate;

/** The few numbers per window that baselines follow, by name, and which way is worse. */
public final class Headlines {

  public static final String TOTAL = "total_ms.p95";
  public static final String RTT = "rtt_ms.p95";
  public static final String DNS = "dns_ms.p95";
  public static final String CONNECT = "connect_ms.p95";
  public static final String TLS = "tls_ms.p95";
  public static final String TTFB = "ttfb_ms.p95";
  public static final String JITTER = "jitter_ms";
  public static final String LOSS = "loss_pct";
  public static final String THROUGHPUT = "throughput_mbps.p50";
  public static final String HOPS = "hops";

  private Headlines() {}

  public static Map<String, Double> of(SeriesAggregate a) {
    Map<String, Double> v = new LinkedHashMap<>();
    p95(a, "total_ms", TOTAL, v);
    p95(a, "rtt_ms", RTT, v);
    p95(a, "dns_ms", DNS, v);
    p95(a, "connect_ms", CONNECT, v);
    p95(a, "tls_ms", TLS, v);
    p95(a, "ttfb_ms", TTFB, v);
    if (a.jitterMs() != null) {
      v.put(JITTER, a.jitterMs());
    } else if (a.metrics().containsKey("jitter_ms")) {
      v.put(JITTER, a.metrics().get("jitter_ms").mean());
    }
    if (a.lossPct() != null) {
      v.put(LOSS, a.lossPct());
    }
    MetricSummary throughput = a.metrics().get("throughput_mbps");
    if (throughput != null) {
      v.put(THROUGHPUT, throughput.p50());
    }
    MetricSummary hops = a.metrics().get("hops");
    if (hops != null) {
      v.put(HOPS, hops.mean());
    }
    return v;
  }

  /**
   * The {@code agg_1m_metric} row a headline is a statistic of, or null when it is a per-window
   * value of the series row (loss, RFC 3550 jitter).
   */
  public static String metricOf(String headline, SeriesAggregate a) {
    if (LOSS.equals(headline)) {
      return null;
    }
    if (JITTER.equals(headline)) {
      return a.jitterMs() == null && a.metrics().containsKey("jitter_ms") ? "jitter_ms" : null;
    }
    int dot = headline.indexOf('.');
    return dot < 0 ? headline : headline.substring(0, dot);
  }

  /** Which statistic of its metric a headline is: p95, p50, or mean (hops, jitter). */
  public static String statOf(String headline) {
    int dot = headline.indexOf('.');
    return dot < 0 ? "mean" : headline.substring(dot + 1);
  }

  /** A headline as people say it: "latency p95", "loss", "throughput p50". */
  public static String label(String headline) {
    return switch (headline) {
      case RTT -> "latency p95";
      case TOTAL -> "total p95";
      case DNS -> "dns p95";
      case CONNECT -> "connect p95";
      case TLS -> "tls p95";
      case TTFB -> "ttfb p95";
      case JITTER -> "jitter";
      case LOSS -> "loss";
      case THROUGHPUT -> "throughput p50";
      case HOPS -> "hops";
      default -> headline;
    };
  }

  /** The unit of a headline's values, with a leading space ("" for hop counts). */
  public static String unit(String headline) {
    return switch (headline) {
      case LOSS -> " %";
      case THROUGHPUT -> " Mbps";
      case HOPS -> "";
      default -> " ms";
    };
  }

  /** +1 when higher is worse (latency, loss), −1 when lower is worse (throughput). */
  public static int direction(String headline) {
    return THROUGHPUT.equals(headline) ? -1 : 1;
  }

  private static void p95(SeriesAggregate a, String metric, String name, Map<String, Double> v) {
    MetricSummary m = a.metrics().get(metric);
    if (m != null) {
      v.put(name, m.p95());
    }
  }
}
