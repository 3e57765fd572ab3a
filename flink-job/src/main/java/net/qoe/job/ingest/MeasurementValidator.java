package net.qoe.job.ingest;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import net.qoe.kafka.message.Measurement;

/**
 * Checks a well-formed measurement for values the windows and the tables must not see: blank,
 * over-long or control-character ids, metric names and error stages (PostgreSQL refuses a NUL in
 * text and jsonb, and a key over about 2.7 KB in an index), a probe id with '|' or whitespace, a
 * tier outside 1..3, timestamps far in the future or before 2000, non-finite or absurdly large
 * values, negative or absurd durations, and packet counts that contradict each other. The first
 * problem found is reported, naming the field and its value; the serde has already checked the
 * schema version and the required fields.
 */
public final class MeasurementValidator {

  /** No duration a probe reports (a timeout, a transfer) can reasonably exceed this. */
  public static final double MAX_DURATION_MS = Duration.ofHours(1).toMillis();

  /** How far ahead of the job's clock an event time may be (probe clocks drift). */
  public static final long MAX_FUTURE_MS = Duration.ofMinutes(5).toMillis();

  /**
   * No value a probe measures comes near this (a 64-bit counter stops at 1.8e19); above it sums and
   * squares of a window's values could overflow, and the sketches stop at about 1e308.
   */
  public static final double MAX_ABS_VALUE = 1e20;

  /** Longest event id, probe id and test, in characters. */
  public static final int MAX_ID_LENGTH = 128;

  /**
   * Longest target, in characters (a target may be named by its URL). With {@link #MAX_ID_LENGTH}
   * and {@link #MAX_NAME_LENGTH} the key of a metric row stays under PostgreSQL's index-tuple limit
   * even in 4-byte UTF-8.
   */
  public static final int MAX_TARGET_LENGTH = 256;

  /** Longest metric name and error stage, in characters. */
  public static final int MAX_NAME_LENGTH = 64;

  /** 2000-01-01T00:00:00Z: anything earlier is an unset or broken clock. */
  public static final long MIN_TS_MS = 946_684_800_000L;

  /** Why a measurement was rejected: a short groupable reason and a sentence with the value. */
  public record Violation(String reason, String detail) {}

  private MeasurementValidator() {}

  public static Optional<Violation> validate(Measurement m, long nowMs) {
    // the common case in one pass per id; anything else is looked at closely, below
    if (!(isPlainAscii(m.eventId(), MAX_ID_LENGTH, false)
        && isPlainAscii(m.probeId(), MAX_ID_LENGTH, true)
        && isPlainAscii(m.target(), MAX_TARGET_LENGTH, false)
        && isPlainAscii(m.test(), MAX_ID_LENGTH, false))) {
      Optional<Violation> bad = checkIds(m);
      if (bad.isPresent()) {
        return bad;
      }
    }
    if (m.error() != null
        && m.error().stage() != null
        && !isPlainAscii(m.error().stage(), MAX_NAME_LENGTH, false)) {
      Optional<Violation> bad =
          checkText("error.stage", m.error().stage(), MAX_NAME_LENGTH, "bad-text");
      if (bad.isPresent()) {
        return bad;
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
      if (!isPlainAscii(e.getKey(), MAX_NAME_LENGTH, false)) {
        Optional<Violation> badName =
            checkText("metric name", e.getKey(), MAX_NAME_LENGTH, "bad-metric-name");
        if (badName.isPresent()) {
          return badName;
        }
      }
      Double v = e.getValue();
      if (v == null) {
        continue;
      }
      // field names are built only for a violation: this runs for every value of every record
      if (!Double.isFinite(v)) {
        return violation(
            "non-finite-value", "%s = %s is not a finite number", "metrics." + e.getKey(), v);
      }
      if (Math.abs(v) > MAX_ABS_VALUE) {
        return violation(
            "absurd-value", "%s = %s is beyond ±%s", "metrics." + e.getKey(), v, MAX_ABS_VALUE);
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

  /**
   * Whether {@code s} is certainly a good id or name: not blank, at most {@code maxLength}
   * characters, all printable ASCII (and for a probe id no '|' or space). False says only that
   * {@link #checkIds} or {@link #checkText} must look closer: this runs for every record, and a
   * check per character of what is nearly always plain ASCII is cheaper than the full rules.
   */
  private static boolean isPlainAscii(String s, int maxLength, boolean probeId) {
    if (s == null) {
      return false;
    }
    int n = s.length();
    if (n > maxLength) {
      return false;
    }
    boolean visible = false;
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c > ' ' && c < 0x7f) {
        if (probeId && c == '|') {
          return false;
        }
        visible = true;
      } else if (c != ' ' || probeId) {
        return false;
      }
    }
    return visible;
  }

  /** The full rules for the four ids: not blank, {@link #checkText}, and the probe id's own. */
  private static Optional<Violation> checkIds(Measurement m) {
    for (Map.Entry<String, String> id :
        List.of(
            Map.entry("event_id", nullToEmpty(m.eventId())),
            Map.entry("probe_id", nullToEmpty(m.probeId())),
            Map.entry("target", nullToEmpty(m.target())),
            Map.entry("test", nullToEmpty(m.test())))) {
      if (id.getValue().isBlank()) {
        return violation("blank-id", "%s is blank ('%s')", id.getKey(), id.getValue());
      }
      Optional<Violation> bad =
          checkText(
              id.getKey(),
              id.getValue(),
              id.getKey().equals("target") ? MAX_TARGET_LENGTH : MAX_ID_LENGTH,
              "bad-id");
      if (bad.isPresent()) {
        return bad;
      }
    }
    String probeId = m.probeId();
    for (int i = 0; i < probeId.length(); i++) {
      char c = probeId.charAt(i);
      if (c == '|' || Character.isWhitespace(c)) {
        return violation(
            "bad-id",
            "probe_id '%s' has %s at %d (it separates probe and target in the record key)",
            probeId,
            c == '|' ? "'|'" : "whitespace",
            i);
      }
    }
    return Optional.empty();
  }

  /**
   * Whether {@code text} is at most {@code maxLength} characters with no control character (a NUL
   * among them, which PostgreSQL refuses in text and jsonb) and no unpaired surrogate (not text).
   */
  private static Optional<Violation> checkText(
      String field, String text, int maxLength, String reason) {
    if (text.length() > maxLength) {
      return violation(
          reason,
          "%s is %d characters long, more than %d ('%s…')",
          field,
          text.length(),
          maxLength,
          text.substring(0, 32));
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isISOControl(c)) {
        return violation(reason, "%s has the control character U+%04X at %d", field, (int) c, i);
      }
      if (isUnpairedSurrogate(text, i)) {
        return violation(reason, "%s has an unpaired surrogate U+%04X at %d", field, (int) c, i);
      }
    }
    return Optional.empty();
  }

  /**
   * Whether the character at {@code i} is half of a character beyond the BMP without its other
   * half: not text in any encoding (PostgreSQL and UTF-8 refuse it).
   */
  public static boolean isUnpairedSurrogate(String s, int i) {
    char c = s.charAt(i);
    if (!Character.isSurrogate(c)) {
      return false;
    }
    return Character.isHighSurrogate(c)
        ? i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))
        : i == 0 || !Character.isHighSurrogate(s.charAt(i - 1));
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
