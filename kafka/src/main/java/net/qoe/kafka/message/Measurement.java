package net.qoe.kafka.message;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One run of one test by one probe against one target: the record on {@code qoe.measurements}.
 *
 * <p>{@code rttMs} holds one entry per packet sent by tests that send packets, in send order, with
 * {@code null} for a lost packet; {@code sent}/{@code received} count them. {@code metrics} holds
 * named numbers (dns_ms, connect_ms, tls_ms, ttfb_ms, total_ms, status, bytes, …). A run that
 * failed in a later stage keeps the timings of the stages that succeeded.
 *
 * <p>Both are immutable: the constructor keeps an {@link ImmutableDoubleList} and an {@link
 * ImmutableMetricMap} as they are and copies any other list or map into one (so the caller's
 * collection can change afterwards without changing the measurement). Decoders build those two
 * directly, so that a record is not copied again as it is built; {@code metrics} iterates in name
 * order, and a null {@code metrics} is the empty map.
 */
public record Measurement(
    int schema,
    String eventId,
    String probeId,
    String target,
    String test,
    int tier,
    long tsMs,
    boolean ok,
    MeasurementError error,
    List<Double> rttMs,
    Integer sent,
    Integer received,
    Map<String, Double> metrics) {

  public static final int SCHEMA_VERSION = 1;

  public Measurement {
    rttMs = rttMs == null ? null : ImmutableDoubleList.copyOf(rttMs);
    metrics = metrics == null ? ImmutableMetricMap.of() : ImmutableMetricMap.copyOf(metrics);
  }

  /** The Kafka record key: all tests of one probe towards one target stay in one partition. */
  public String kafkaKey() {
    return probeId + "|" + target;
  }

  /** The series a measurement belongs to: (probe, target, test). */
  public SeriesKey seriesKey() {
    return new SeriesKey(probeId, target, test);
  }

  public Double metric(String name) {
    return metrics.get(name);
  }

  /** Packets lost in this run, or 0 for tests that do not send packets. */
  public int lost() {
    if (sent == null || received == null) {
      return 0;
    }
    return Math.max(0, sent - received);
  }

  public Measurement withTier(int newTier) {
    return new Measurement(
        schema, eventId, probeId, target, test, newTier, tsMs, ok, error, rttMs, sent, received,
        metrics);
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof Measurement m)) {
      return false;
    }
    return schema == m.schema
        && tier == m.tier
        && tsMs == m.tsMs
        && ok == m.ok
        && Objects.equals(eventId, m.eventId)
        && Objects.equals(probeId, m.probeId)
        && Objects.equals(target, m.target)
        && Objects.equals(test, m.test)
        && Objects.equals(error, m.error)
        && Objects.equals(rttMs, m.rttMs)
        && Objects.equals(sent, m.sent)
        && Objects.equals(received, m.received)
        && Objects.equals(metrics, m.metrics);
  }

  @Override
  public int hashCode() {
    return Objects.hash(eventId, probeId, target, test, tsMs);
  }
}
