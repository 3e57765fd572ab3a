package net.qoe.job.diagnosis;

/**
 * Why a window looks the way it does: a label from a fixed vocabulary and a sentence with the
 * numbers. {@code normal} for a window with nothing to explain.
 */
public record Diagnosis(String label, String reason) {

  public static final String NORMAL = "normal";
  public static final String DNS_BOUND = "dns-bound";
  public static final String HANDSHAKE_BOUND = "handshake-bound";
  public static final String SERVER_BOUND = "server-bound";
  public static final String LOSS = "loss";
  public static final String CONGESTION = "congestion";
  public static final String JITTER = "jitter";
  public static final String LATENCY = "latency";
  public static final String PATH_CHANGE = "path-change";
  public static final String CERT_EXPIRING = "cert-expiring";
  public static final String THROUGHPUT_BOUND = "throughput-bound";

  public static Diagnosis normal() {
    return new Diagnosis(NORMAL, "");
  }
}
