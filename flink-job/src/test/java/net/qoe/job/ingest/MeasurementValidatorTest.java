package net.qoe.job.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import net.qoe.job.testing.CapturedMetrics;
import net.qoe.kafka.message.DeadLetter;
import net.qoe.kafka.message.Measurement;
import net.qoe.kafka.message.MeasurementError;
import net.qoe.kafka.serde.MessageSerde;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class MeasurementValidatorTest {

  private static final long NOW = 1_767_225_600_000L; // 2026-01-01T00:00:00Z

  private static Measurement udp(
      long ts, int tier, List<Double> rtts, Integer sent, Integer received) {
    return new Measurement(
        1,
        "ev-1",
        "probe-1",
        "echo",
        "udp",
        tier,
        ts,
        true,
        null,
        rtts,
        sent,
        received,
        Map.of("total_ms", 12.0));
  }

  private static Measurement withMetric(String name, double value) {
    return new Measurement(
        1,
        "ev-1",
        "probe-1",
        "web",
        "http",
        1,
        NOW,
        true,
        null,
        null,
        null,
        null,
        Map.of(name, value));
  }

  private static Optional<MeasurementValidator.Violation> check(Measurement m) {
    return MeasurementValidator.validate(m, NOW);
  }

  @Test
  void aPlausibleMeasurementPasses() {
    assertThat(check(udp(NOW, 2, Arrays.asList(1.0, null, 2.5), 3, 2))).isEmpty();
    assertThat(check(withMetric("status", 503))).isEmpty();
    assertThat(check(withMetric("total_ms", 0.0))).isEmpty();
  }

  @Test
  void negativeDurationsAreRejectedNamingFieldAndValue() {
    assertThat(check(withMetric("connect_ms", -3.5)))
        .hasValueSatisfying(
            v -> {
              assertThat(v.reason()).isEqualTo("negative-duration");
              assertThat(v.detail()).contains("metrics.connect_ms").contains("-3.5");
            });
  }

  @Test
  void nonFiniteDurationsAreRejected() {
    assertThat(check(withMetric("ttfb_ms", Double.NaN)))
        .hasValueSatisfying(v -> assertThat(v.detail()).contains("metrics.ttfb_ms = NaN"));
    assertThat(check(withMetric("total_ms", Double.POSITIVE_INFINITY)))
        .hasValueSatisfying(v -> assertThat(v.reason()).isEqualTo("non-finite-value"));
  }

  @Test
  void durationsOverAnHourAreAbsurd() {
    assertThat(check(withMetric("total_ms", 3_600_000.0))).isEmpty();
    assertThat(check(withMetric("total_ms", 3_600_001.0)))
        .hasValueSatisfying(
            v -> {
              assertThat(v.reason()).isEqualTo("absurd-duration");
              assertThat(v.detail()).contains("metrics.total_ms").contains("3600001");
            });
  }

  @Test
  void packetRttsAreCheckedLikeDurations() {
    assertThat(check(udp(NOW, 1, Arrays.asList(1.0, -2.0), 2, 2)))
        .hasValueSatisfying(
            v -> {
              assertThat(v.reason()).isEqualTo("negative-duration");
              assertThat(v.detail()).contains("rtt_ms[1] = -2.0");
            });
    assertThat(check(udp(NOW, 1, Arrays.asList(null, 4_000_000.0), 2, 1)))
        .hasValueSatisfying(v -> assertThat(v.detail()).contains("rtt_ms[1]"));
  }

  @Test
  void timestampsMoreThanFiveMinutesAheadAreRejected() {
    assertThat(check(udp(NOW + 300_000, 1, null, null, null))).isEmpty();
    assertThat(check(udp(NOW + 300_001, 1, null, null, null)))
        .hasValueSatisfying(
            v -> {
              assertThat(v.reason()).isEqualTo("ts-in-future");
              assertThat(v.detail()).contains("ts_ms = " + (NOW + 300_001));
            });
  }

  @Test
  void timestampsBefore2000AreRejected() {
    assertThat(check(udp(946_684_799_999L, 1, null, null, null)))
        .hasValueSatisfying(
            v -> {
              assertThat(v.reason()).isEqualTo("ts-too-old");
              assertThat(v.detail()).contains("ts_ms = 946684799999");
            });
    assertThat(check(udp(0, 1, null, null, null))).isPresent();
  }

  @Test
  void tierOutsideOneToThreeIsRejected() {
    assertThat(check(udp(NOW, 0, null, null, null)))
        .hasValueSatisfying(v -> assertThat(v.detail()).isEqualTo("tier = 0 is outside 1..3"));
    assertThat(check(udp(NOW, 4, null, null, null))).isPresent();
    assertThat(check(udp(NOW, 3, null, null, null))).isEmpty();
  }

  @Test
  void receivingMoreThanSentIsRejected() {
    assertThat(check(udp(NOW, 1, null, 3, 4)))
        .hasValueSatisfying(
            v -> {
              assertThat(v.reason()).isEqualTo("received-exceeds-sent");
              assertThat(v.detail()).isEqualTo("received = 4 is more than sent = 3");
            });
    assertThat(check(udp(NOW, 1, null, -1, null)))
        .hasValueSatisfying(v -> assertThat(v.reason()).isEqualTo("negative-count"));
  }

  @Test
  void rttEntriesMustMatchPacketsSent() {
    assertThat(check(udp(NOW, 1, Arrays.asList(1.0, 2.0), 3, 2)))
        .hasValueSatisfying(
            v -> {
              assertThat(v.reason()).isEqualTo("rtt-length-mismatch");
              assertThat(v.detail()).contains("2 entries").contains("sent = 3");
            });
    // rtt_ms without sent (or sent without rtt_ms) is not a contradiction
    assertThat(check(udp(NOW, 1, Arrays.asList(1.0, 2.0), null, null))).isEmpty();
    assertThat(check(udp(NOW, 1, null, 3, 3))).isEmpty();
  }

  @Test
  void blankIdsAreRejected() {
    for (int field = 0; field < 4; field++) {
      String[] ids = {"ev-1", "probe-1", "web", "http"};
      ids[field] = " ";
      Measurement m =
          new Measurement(
              1, ids[0], ids[1], ids[2], ids[3], 1, NOW, true, null, null, null, null, Map.of());
      String name = List.of("event_id", "probe_id", "target", "test").get(field);
      assertThat(check(m))
          .hasValueSatisfying(
              v -> {
                assertThat(v.reason()).isEqualTo("blank-id");
                assertThat(v.detail()).startsWith(name + " is blank");
              });
    }
  }

  @Test
  void valuesBeyondWhatTheWindowsCanHoldAreAbsurd() {
    // finite, and not a duration: a sketch would throw on it when its window fires
    assertThat(check(withMetric("bytes", Double.MAX_VALUE)))
        .hasValueSatisfying(
            v -> {
              assertThat(v.reason()).isEqualTo("absurd-value");
              assertThat(v.detail()).startsWith("metrics.bytes = 1.7976931348623157E308");
            });
    assertThat(check(withMetric("cert_days_left", -1e21)))
        .hasValueSatisfying(v -> assertThat(v.reason()).isEqualTo("absurd-value"));
    // a 64-bit counter's worth is fine
    assertThat(check(withMetric("bytes", 1.8e19))).isEmpty();
    assertThat(check(withMetric("cert_days_left", -3))).isEmpty();
  }

  @Test
  void idsWithControlCharactersOrBeyondTheirLengthAreRejected() {
    String[] fields = {"event_id", "probe_id", "target", "test"};
    for (int field = 0; field < 4; field++) {
      for (String bad :
          List.of(
              "a\u0000b",
              "a\nb",
              "a\u007fb",
              "a\uDC00b",
              "x"
                  .repeat(
                      (field == 2
                              ? MeasurementValidator.MAX_TARGET_LENGTH
                              : MeasurementValidator.MAX_ID_LENGTH)
                          + 1))) {
        String[] ids = {"ev-1", "probe-1", "web", "http"};
        ids[field] = bad;
        Measurement m =
            new Measurement(
                1, ids[0], ids[1], ids[2], ids[3], 1, NOW, true, null, null, null, null, Map.of());
        String name = fields[field];
        assertThat(check(m))
            .as("%s = %s", name, bad)
            .hasValueSatisfying(
                v -> {
                  assertThat(v.reason()).isEqualTo("bad-id");
                  assertThat(v.detail()).startsWith(name);
                });
      }
    }
    // at the limit, and with characters beyond the BMP, an id is fine
    Measurement atLimit =
        new Measurement(
            1,
            "ev-1",
            "p".repeat(MeasurementValidator.MAX_ID_LENGTH),
            "\uD834\uDD1E".repeat(MeasurementValidator.MAX_TARGET_LENGTH / 2),
            "http",
            1,
            NOW,
            true,
            null,
            null,
            null,
            null,
            Map.of());
    assertThat(check(atLimit)).isEmpty();
  }

  @Test
  void aProbeIdFollowsTheRecordKeysRules() {
    for (String bad : List.of("probe|1", "probe 1", "probe\t1")) {
      Measurement m =
          new Measurement(
              1, "ev-1", bad, "web", "http", 1, NOW, true, null, null, null, null, Map.of());
      assertThat(check(m))
          .as(bad)
          .hasValueSatisfying(
              v -> {
                assertThat(v.reason()).isEqualTo("bad-id");
                assertThat(v.detail()).contains("probe_id");
              });
    }
    // a target may hold both: it is not part of the key's separator
    Measurement target =
        new Measurement(
            1, "ev-1", "probe-1", "a|b c", "http", 1, NOW, true, null, null, null, null, Map.of());
    assertThat(check(target)).isEmpty();
  }

  @Test
  void metricNamesAndErrorStagesAreCheckedLikeIds() {
    assertThat(check(withMetric("total\u0000_ms", 1)))
        .hasValueSatisfying(v -> assertThat(v.reason()).isEqualTo("bad-metric-name"));
    assertThat(check(withMetric("m".repeat(MeasurementValidator.MAX_NAME_LENGTH + 1), 1)))
        .hasValueSatisfying(v -> assertThat(v.reason()).isEqualTo("bad-metric-name"));
    Measurement stage =
        new Measurement(
            1,
            "ev-1",
            "probe-1",
            "web",
            "http",
            1,
            NOW,
            false,
            new MeasurementError("time\u0000out", "no reply\u0000 at all"),
            null,
            null,
            null,
            Map.of());
    assertThat(check(stage))
        .hasValueSatisfying(
            v -> {
              assertThat(v.reason()).isEqualTo("bad-text");
              assertThat(v.detail()).startsWith("error.stage has the control character U+0000");
            });
    // the message is free text (a tool's output, newlines and all): it is quoted with care where
    // it is used, never a reason to reject the run
    Measurement message =
        new Measurement(
            1,
            "ev-1",
            "probe-1",
            "web",
            "http",
            1,
            NOW,
            false,
            new MeasurementError("timeout", "no reply\u0000\nat all"),
            null,
            null,
            null,
            Map.of());
    assertThat(check(message)).isEmpty();
  }

  @Test
  void invalidRecordsBecomeValidateDeadLettersCountedAsInvalid() throws Exception {
    Measurement good = udp(System.currentTimeMillis(), 1, Arrays.asList(1.0, 2.0), 2, 2);
    Measurement bad = udp(System.currentTimeMillis(), 1, Arrays.asList(1.0, 2.0), 2, 3);
    byte[] badBytes = MessageSerde.MEASUREMENT.toBytes(bad);
    IngestResult goodResult = deserialize(MessageSerde.MEASUREMENT.toBytes(good), 7);
    IngestResult badResult = deserialize(badBytes, 8);
    IngestResult garbage = deserialize("{".getBytes(StandardCharsets.UTF_8), 9);

    CapturedMetrics metrics = new CapturedMetrics();
    try (OneInputStreamOperatorTestHarness<IngestResult, Measurement> harness =
        new OneInputStreamOperatorTestHarness<>(
            new ProcessOperator<>(new SplitDeadLetters()),
            IngestResult.serializer(),
            metrics.environment())) {
      harness.open();
      harness.processElement(goodResult, 1L);
      harness.processElement(badResult, 2L);
      harness.processElement(garbage, 3L);

      assertThat(harness.extractOutputValues()).containsExactly(good);
      List<DeadLetter> letters =
          harness.getSideOutput(SplitDeadLetters.DEAD_LETTERS).stream()
              .map(r -> r.getValue())
              .toList();
      assertThat(letters).hasSize(2);
      DeadLetter invalid = letters.get(0);
      assertThat(invalid.stage()).isEqualTo("validate");
      assertThat(invalid.reason()).isEqualTo("received-exceeds-sent");
      assertThat(invalid.detail()).isEqualTo("received = 3 is more than sent = 2");
      assertThat(invalid.eventId()).isEqualTo("ev-1");
      assertThat(invalid.offset()).isEqualTo(8);
      assertThat(java.util.Base64.getDecoder().decode(invalid.valueBase64())).isEqualTo(badBytes);
      assertThat(letters.get(1).stage()).isEqualTo("deserialize");

      assertThat(metrics.count("records_in")).isEqualTo(3);
      assertThat(metrics.count("measurements")).isEqualTo(1);
      assertThat(metrics.count("invalid")).isEqualTo(1);
      assertThat(metrics.count("malformed")).isEqualTo(1);
    }
  }

  private static IngestResult deserialize(byte[] value, long offset) {
    return MeasurementDeserializer.toResult(
        new ConsumerRecord<>("qoe.measurements", 0, offset, "k".getBytes(), value),
        System.currentTimeMillis());
  }
}
