package net.qoe.kafka;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import net.qoe.kafka.message.DeadLetter;
import net.qoe.kafka.message.Measurement;
import net.qoe.kafka.message.MeasurementError;
import net.qoe.kafka.message.TierCommand;
import net.qoe.kafka.message.TuningCommand;
import net.qoe.kafka.message.TuningResult;
import net.qoe.kafka.serde.MessageSerde;
import net.qoe.kafka.serde.MessageSigner;

/** Realistic messages of every type, as the probes and the job produce them. */
public final class Examples {

  /** One example message with the serde that reads and writes it. */
  public record Example<T>(String name, MessageSerde<T> serde, T message) {

    public byte[] bytes() {
      return serde.toBytes(message);
    }

    @Override
    public String toString() {
      return name;
    }
  }

  public static final MessageSigner SIGNER =
      MessageSigner.fromSecret("a-test-secret-of-32-characters!!");

  static final long T0 = 1_767_225_600_000L; // 2026-01-01T00:00:00Z

  public static final Measurement HTTP_OK =
      new Measurement(
          1,
          "0d7c1e9a-2d2e-4b8e-9a51-3f1b1c2d4e5f",
          "probe-a",
          "web-1",
          "http",
          1,
          T0,
          true,
          null,
          null,
          null,
          null,
          Map.of(
              "dns_ms", 1.5,
              "connect_ms", 0.4,
              "tls_ms", 3.2,
              "ttfb_ms", 20.1,
              "transfer_ms", 0.6,
              "total_ms", 25.8,
              "status", 200.0,
              "bytes", 512.0,
              "cert_days_left", 61.2));

  /** Failed in the TLS stage; the DNS and connect timings of the stages before are kept. */
  public static final Measurement HTTP_TLS_FAILED =
      new Measurement(
          1,
          "5b0f6c1e-8f0e-4a51-b1d2-8c7a7d3e9f10",
          "probe-a",
          "web-1",
          "http",
          1,
          T0 + 30_000,
          false,
          new MeasurementError("tls", "tls handshake: PKIX path building failed"),
          null,
          null,
          null,
          Map.of("dns_ms", 1.2, "connect_ms", 0.5));

  /** Three packets, the second lost. */
  public static final Measurement UDP_WITH_LOSS =
      new Measurement(
          1,
          "9c4a2b77-61f3-4f0e-a7b5-0e2f7d6c5b41",
          "probe-b",
          "echo-1",
          "udp",
          2,
          T0 + 60_000,
          true,
          null,
          Arrays.asList(0.21, null, 0.25),
          3,
          2,
          Map.of(
              "loss_pct", 33.333333333333336,
              "rtt_avg_ms", 0.23,
              "rtt_min_ms", 0.21,
              "rtt_max_ms", 0.25,
              "jitter_ms", 0.0025,
              "reordered", 0.0));

  public static final TierCommand ESCALATION =
      SIGNER.sign(
          new TierCommand(
              1,
              "cmd-7f3e",
              "probe-a",
              "web-1",
              1,
              2,
              List.of("extended_ping", "mtr", "tls"),
              "http total_ms p95 2450 ms > 2000 ms for 1 window",
              T0,
              T0 + 900_000,
              null));

  public static final TierCommand DE_ESCALATION =
      SIGNER.sign(
          new TierCommand(
              1,
              "cmd-7f3f",
              "probe-a",
              "web-1",
              2,
              1,
              List.of(),
              "http total_ms p95 180 ms < 1500 ms for 3 windows",
              T0 + 1_800_000,
              T0 + 2_700_000,
              null));

  public static final TuningCommand TUNING_APPLY =
      SIGNER.sign(
          new TuningCommand(
              1,
              "chg-0001",
              "postgres:qoe",
              "shared_buffers",
              "128MB",
              "256MB",
              TuningCommand.APPLY,
              "medium",
              "p95 write latency 14.2 ms is 1.4x its 10 ms target",
              T0,
              T0 + 600_000,
              null));

  public static final TuningCommand TUNING_ROLLBACK =
      SIGNER.sign(
          new TuningCommand(
              1,
              "chg-0002",
              "postgres:qoe",
              "work_mem",
              "64MB",
              "4MB",
              TuningCommand.ROLLBACK,
              "low",
              "no improvement after 3 windows",
              T0,
              T0 + 600_000,
              null));

  public static final TuningResult TUNING_APPLIED =
      SIGNER.sign(
          new TuningResult(
              1,
              "chg-0001",
              "postgres:qoe",
              "shared_buffers",
              TuningResult.APPLIED,
              "256MB",
              "256MB",
              null,
              "actuator-1",
              T0 + 4_000,
              null));

  public static final TuningResult TUNING_REJECTED =
      SIGNER.sign(
          new TuningResult(
              1,
              "chg-0003",
              "postgres:qoe",
              "max_connections",
              TuningResult.REJECTED,
              "500",
              null,
              "cost high: never applied automatically",
              "actuator-1",
              T0 + 1_000,
              null));

  public static final DeadLetter NOT_JSON =
      new DeadLetter(
          1,
          Topics.MEASUREMENTS,
          2,
          41L,
          "cHJvYmUtYXx3ZWItMQ==",
          "bm90IGpzb24=",
          DeadLetter.STAGE_DESERIALIZE,
          "malformed-json",
          "malformed-json: Unrecognized token 'not'",
          null,
          T0,
          T0 + 100);

  public static final DeadLetter LATE =
      new DeadLetter(
          1,
          Topics.MEASUREMENTS,
          -1,
          -1L,
          "cHJvYmUtYXx3ZWItMQ==",
          "eyJzY2hlbWEiOjF9",
          DeadLetter.STAGE_LATE,
          "late",
          "event time is behind the watermark by more than the allowed lateness",
          "0d7c1e9a-2d2e-4b8e-9a51-3f1b1c2d4e5f",
          T0,
          T0 + 600_000);

  public static List<Example<?>> all() {
    return List.of(
        new Example<>("measurement: http ok", MessageSerde.MEASUREMENT, HTTP_OK),
        new Example<>("measurement: http failed in tls", MessageSerde.MEASUREMENT, HTTP_TLS_FAILED),
        new Example<>(
            "measurement: udp with a lost packet", MessageSerde.MEASUREMENT, UDP_WITH_LOSS),
        new Example<>("tier command: escalation", MessageSerde.TIER_COMMAND, ESCALATION),
        new Example<>("tier command: de-escalation", MessageSerde.TIER_COMMAND, DE_ESCALATION),
        new Example<>("tuning command: apply", MessageSerde.TUNING_COMMAND, TUNING_APPLY),
        new Example<>("tuning command: rollback", MessageSerde.TUNING_COMMAND, TUNING_ROLLBACK),
        new Example<>("tuning result: applied", MessageSerde.TUNING_RESULT, TUNING_APPLIED),
        new Example<>("tuning result: rejected", MessageSerde.TUNING_RESULT, TUNING_REJECTED),
        new Example<>("dead letter: not json", MessageSerde.DEAD_LETTER, NOT_JSON),
        new Example<>("dead letter: late", MessageSerde.DEAD_LETTER, LATE));
  }

  /** One example per message type. */
  public static List<Example<?>> onePerType() {
    return List.of(
        new Example<>("Measurement", MessageSerde.MEASUREMENT, HTTP_OK),
        new Example<>("TierCommand", MessageSerde.TIER_COMMAND, ESCALATION),
        new Example<>("TuningCommand", MessageSerde.TUNING_COMMAND, TUNING_APPLY),
        new Example<>("TuningResult", MessageSerde.TUNING_RESULT, TUNING_APPLIED),
        new Example<>("DeadLetter", MessageSerde.DEAD_LETTER, NOT_JSON));
  }

  private Examples() {}
}
