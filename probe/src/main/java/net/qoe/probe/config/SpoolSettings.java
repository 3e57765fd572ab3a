package net.qoe.probe.config;

/**
 * Where undelivered measurements wait while Kafka is unreachable.
 *
 * @param dir the spool directory; created if missing, kept across restarts
 * @param maxBytes the most the spool may hold on disk; beyond it the oldest entries are dropped
 */
public record SpoolSettings(String dir, long maxBytes) {

  public static final long DEFAULT_MAX_BYTES = 100L * 1024 * 1024;
  public static final long MIN_MAX_BYTES = 4096;
}
