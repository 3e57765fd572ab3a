package net.qoe.job.ingest;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import net.qoe.kafka.message.Measurement;

/**
 * Checks a well-formed measurement for values the windows must not see: blank ids, a tier outside
 * 1..3, timestamps far in the future or before 2000, negative, non-finite or absurd durations, and
 * packet counts that contradict each other. The first problem found is reported, naming the field
 * and its value; the serde has already checked the schema version and the required fields.
 */
public final class MeasurementValidator {

  /** No duration a probe reports (a timeout, a transfer) can reasonably exceed this. */
  public static final double MAX_DURATION_MS = Duration.ofHours(1).toMillis();

  /** How far ahead of the job's clock an event time may be (probe clocks drift). */
  public static final long MAX_FUTURE_MS = Duration.ofMinutes(5).toMillis();

  /** 2000-01-01T00:00:00Z: anything earlier is an unset or broken clock. */
  public static final long MIN_TS_MS = 946_684_800_000L;

  /** Why a measurement was rejected: a short groupable reason and a sentence with the value. */
  public record Violation(String reason, String detail) {}

  private MeasurementValidator() {}

  public static Optional<Violation> validate(Measurement m, long nowMs) {
    for (Map.Entry<String, String> id :
        List.of(
            Map.entry("event_id", nullToEmpty(m.eventId())),
            Map.entry("probe_id", nullToEmpty(m.probeId())),
            Map.entry("target", nullToEmpty(m.target())),
            Map.entry("test", nullToEmpty(m.test())))) {
      if (id.getValue().isBlank()) {
        return violation("blank-id", "%s is blank ('%s')", id.getKey(), id.getValue());
      }
    }
    if (m.tier() < 1 || m.tier() > 3) {
      return violation("tier-out-of-range", "tier = %d is outside 1..3", m.tier());
    }
    if (m.tsMs() > nowMs + MAX_FUTURE_MS) {
      return violation(
          "ts-in-future",
          "ts_ms = %d is %d ms ahead of the job's clock (%d); at most %d ms are allowed",
          m.tsMs(),
          m.tsMs() - nowMs,
          nowMs,
          MAX_FUTURE_MS);
    }
    if (m.tsMs() < MIN_TS_MS) {
      return violation("ts-too-old", "ts_ms = %d is before 2000-01-01", m.tsMs());
    }
    for (Map.Entry<String, Double> e : m.metrics().entrySet()) {
      Double v = e.getValue();
      if (v == null) {
        continue;
      }
      // field names are built only for a violation: this runs for every value of every record
      if (!Double.isFinite(v)) {
        return violation(
            "non-finite-value", "%s = %s is not a finite number", "metrics." + e.getKey(), v);
      }
      if (e.getKey().endsWith("_ms") && !isPlausibleDuration(v)) {
        return checkDuration("metrics." + e.getKey(), v);
      }
    }
    List<Double> rtts = m.rttMs();
    if (rtts != null) {
      for (int i = 0; i < rtts.size(); i++) {
        Double rtt = rtts.get(i);
        if (rtt == null) {
          continue;
        }
        if (!isPlausibleDuration(rtt)) {
          return checkDuration("rtt_ms[" + i + "]", rtt);
        }
      }
    }
    Integer sent = m.sent();
    Integer received = m.received();
    if (sent != null && sent < 0) {
      return violation("negative-count", "sent = %d is negative", sent);
    }
    if (received != null && received < 0) {
      return violation("negative-count", "received = %d is negative", received);
    }
    if (sent != null && received != null && received > sent) {
      return violation(
          "received-exceeds-sent", "received = %d is more than sent = %d", received, sent);
    }
    if (sent != null && rtts != null && rtts.size() != sent) {
      return violation(
          "rtt-length-mismatch",
          "rtt_ms has %d entries but sent = %d (one entry per packet, null when lost)",
          rtts.size(),
          sent);
    }
    return Optional.empty();
  }

  /** Whether {@link #checkDuration} finds nothing wrong with {@code v}. */
  private static boolean isPlausibleDuration(double v) {
    return Double.isFinite(v) && v >= 0 && v <= MAX_DURATION_MS;
  }

  private static Optional<Violation> checkDuration(String field, double v) {
    if (!Double.isFinite(v)) {
      return violation("non-finite-value", "%s = %s is not a finite number", field, v);
    }
    if (v < 0) {
      return violation("negative-duration", "%s = %s is negative", field, v);
    }
    if (v > MAX_DURATION_MS) {
      return violation(
          "absurd-duration",
          "%s = %s ms is longer than one hour (%s ms)",
          field,
          v,
          MAX_DURATION_MS);
    }
    return Optional.empty();
  }

  private static Optional<Violation> violation(String reason, String format, Object... args) {
    return Optional.of(new Violation(reason, String.format(Locale.ROOT, format, args)));
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }
}
