package net.qoe.job.window;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import net.qoe.kafka.message.Measurement;
import net.qoe.kafka.message.MeasurementError;

/** Measurements for the window tests: one series per test type, event times from T0. */
final class Runs {

  static final long T0 = 1_767_225_600_000L; // 2026-01-01T00:00:00Z, a minute boundary

  private Runs() {}

  static Measurement http(int i, double totalMs) {
    return new Measurement(
        1,
        "h" + i,
        "probe-1",
        "web-1",
        "http",
        1,
        T0 + i,
        true,
        null,
        null,
        null,
        null,
        Map.of("dns_ms", 1.0 + i % 3, "total_ms", totalMs));
  }

  /** A run that failed at {@code stage} after timing DNS and connect. */
  static Measurement failed(int i, String stage, int tier) {
    return new Measurement(
        1,
        "f" + i,
        "probe-1",
        "web-1",
        "http",
        tier,
        T0 + i,
        false,
        new MeasurementError(stage, stage + " failed"),
        null,
        null,
        null,
        Map.of("dns_ms", 3.0, "connect_ms", 1.5));
  }

  /** A UDP run: one entry per packet sent, null for a lost one; sent/received from the list. */
  static Measurement udp(int i, Double... rtts) {
    List<Double> list = Arrays.asList(rtts);
    int received = (int) list.stream().filter(Objects::nonNull).count();
    return new Measurement(
        1,
        "u" + i,
        "probe-1",
        "echo",
        "udp",
        1,
        T0 + i,
        received > 0,
        received > 0 ? null : new MeasurementError("timeout", "no reply"),
        list,
        list.size(),
        received,
        Map.of());
  }

  static Measurement withMetrics(int i, Map<String, Double> metrics) {
    return new Measurement(
        1, "m" + i, "probe-1", "web-1", "tls", 1, T0 + i, true, null, null, null, null, metrics);
  }
}
