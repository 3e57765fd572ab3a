package net.qoe.kafka.serde;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.qoe.kafka.Examples;
import net.qoe.kafka.message.Measurement;
import net.qoe.kafka.message.MeasurementError;
import org.junit.jupiter.api.Test;

/**
 * The streaming decoder ({@link MeasurementCodec} behind {@link MessageSerde#fromBytes}) against
 * the tree decoder it replaces ({@link MessageSerde#decodeViaTree}): for every input of a corpus of
 * hand-written edge cases, the existing fixtures and seeded random mutations of valid messages,
 * both give an equal measurement or a {@link MalformedMessageException} with the same reason and
 * message, and whenever the fast path alone accepts an input the tree path accepts it too, equal.
 */
class MeasurementDecodeDifferentialTest {

  private static final MessageSerde<Measurement> SERDE = MessageSerde.MEASUREMENT;
  private static final long SEED = 20260101L;
  private static final int MUTATIONS = 10_000;

  /** What decoding one input gave. */
  private record Outcome(
      Measurement value, String json, String exception, String reason, String message) {

    static Outcome of(Decoder decoder, byte[] bytes) {
      try {
        Measurement m = decoder.decode(bytes);
        return new Outcome(m, SERDE.toJson(m), null, null, null);
      } catch (MalformedMessageException e) {
        return new Outcome(null, null, e.getClass().getName(), e.reason(), e.getMessage());
      } catch (RuntimeException e) {
        return new Outcome(null, null, e.getClass().getName(), null, e.getMessage());
      }
    }
  }

  private interface Decoder {
    Measurement decode(byte[] bytes) throws MalformedMessageException;
  }

  private final Map<String, Integer> stats = new LinkedHashMap<>();

  // --- the corpus ---------------------------------------------------------------------------

  static List<String> handWritten() {
    String ok =
        "\"schema\":1,\"event_id\":\"e\",\"probe_id\":\"p\",\"target\":\"t\",\"test\":\"udp\","
            + "\"tier\":1,\"ts_ms\":1767225600000,\"ok\":true";
    List<String> c = new ArrayList<>();
    c.add("");
    c.add(" ");
    c.add("\n\t ");
    c.add("{");
    c.add("}");
    c.add("{}");
    c.add("[]");
    c.add("[1,2]");
    c.add("null");
    c.add("true");
    c.add("42");
    c.add("\"measurement\"");
    c.add("not json");
    c.add("{" + ok + "}");
    c.add("  {" + ok + "}  \n");
    c.add("\uFEFF{" + ok + "}");
    c.add("{" + ok + "} ");
    c.add("{" + ok + "} x");
    c.add("{" + ok + "}{}");
    c.add("{" + ok + "} {" + ok + "}");
    c.add("{" + ok + "},");
    c.add("{" + ok + "}]");
    c.add("{" + ok + ",}");
    c.add("{," + ok + "}");
    c.add("{" + ok);
    c.add("{" + ok + ",\"x\":");
    c.add("{" + ok + ",\"rtt_ms\":[1.0,null,2.5,3,-0,-0.0,1e2,1E-3,0.0e0]}");
    c.add("{" + ok + ",\"rtt_ms\":[]}");
    c.add("{" + ok + ",\"rtt_ms\":null}");
    c.add("{" + ok + ",\"rtt_ms\":[null]}");
    c.add("{" + ok + ",\"rtt_ms\":[\"NaN\",\"Infinity\",\"-Infinity\",\"1.5\"]}");
    c.add("{" + ok + ",\"rtt_ms\":[NaN]}");
    c.add("{" + ok + ",\"rtt_ms\":[1e400]}");
    c.add("{" + ok + ",\"rtt_ms\":[-1e400]}");
    c.add("{" + ok + ",\"rtt_ms\":[4.9e-324, 1e-400]}");
    c.add("{" + ok + ",\"rtt_ms\":[123456789012345678901234567890]}");
    c.add("{" + ok + ",\"rtt_ms\":[9223372036854775807,-9223372036854775808]}");
    c.add("{" + ok + ",\"rtt_ms\":[0.1000000000000000055511151231257827021181583404541015625]}");
    c.add("{" + ok + ",\"rtt_ms\":[[1]]}");
    c.add("{" + ok + ",\"rtt_ms\":[{}]}");
    c.add("{" + ok + ",\"rtt_ms\":[true]}");
    c.add("{" + ok + ",\"rtt_ms\":1.5}");
    c.add("{" + ok + ",\"rtt_ms\":\"1.5\"}");
    c.add("{" + ok + ",\"rtt_ms\":{}}");
    c.add("{" + ok + ",\"rtt_ms\":[1,]}");
    c.add("{" + ok + ",\"metrics\":{\"a\":1,\"b\":2.5,\"c\":null,\"\":0}}");
    c.add("{" + ok + ",\"metrics\":{}}");
    c.add("{" + ok + ",\"metrics\":null}");
    c.add("{" + ok + ",\"metrics\":{\"a\":1,\"a\":2}}");
    c.add("{" + ok + ",\"metrics\":{\"a\":null,\"a\":2}}");
    c.add("{" + ok + ",\"metrics\":{\"a\":1,\"a\":null}}");
    c.add("{" + ok + ",\"metrics\":{\"a\":\"1.5\"}}");
    c.add("{" + ok + ",\"metrics\":{\"a\":\"NaN\"}}");
    c.add("{" + ok + ",\"metrics\":{\"a\":true}}");
    c.add("{" + ok + ",\"metrics\":{\"a\":[1]}}");
    c.add("{" + ok + ",\"metrics\":{\"a\":{}}}");
    c.add("{" + ok + ",\"metrics\":{\"a\":1e400}}");
    c.add("{" + ok + ",\"metrics\":{\"a\":12345678901234567890}}");
    c.add("{" + ok + ",\"metrics\":[]}");
    c.add("{" + ok + ",\"metrics\":\"none\"}");
    c.add("{" + ok + ",\"metrics\":1}");
    c.add("{" + ok + ",\"error\":{\"stage\":\"tls\",\"message\":\"handshake\"}}");
    c.add("{" + ok + ",\"error\":{}}");
    c.add("{" + ok + ",\"error\":null}");
    c.add("{" + ok + ",\"error\":{\"stage\":null,\"message\":null}}");
    c.add("{" + ok + ",\"error\":{\"stage\":\"dns\",\"extra\":{\"a\":[1,{}]},\"message\":\"m\"}}");
    c.add("{" + ok + ",\"error\":{\"stage\":\"dns\",\"stage\":\"tls\"}}");
    c.add("{" + ok + ",\"error\":{\"stage\":5}}");
    c.add("{" + ok + ",\"error\":{\"stage\":true}}");
    c.add("{" + ok + ",\"error\":{\"stage\":[\"a\"]}}");
    c.add("{" + ok + ",\"error\":\"tls\"}");
    c.add("{" + ok + ",\"error\":\"\"}");
    c.add("{" + ok + ",\"error\":[]}");
    c.add("{" + ok + ",\"error\":5}");
    c.add("{" + ok + ",\"sent\":10,\"received\":9}");
    c.add("{" + ok + ",\"sent\":null,\"received\":null}");
    c.add("{" + ok + ",\"sent\":\"10\"}");
    c.add("{" + ok + ",\"sent\":10.0}");
    c.add("{" + ok + ",\"sent\":10.5}");
    c.add("{" + ok + ",\"sent\":3000000000}");
    c.add("{" + ok + ",\"sent\":true}");
    c.add("{" + ok + ",\"sent\":\"\"}");
    c.add("{" + ok + ",\"sent\":[]}");
    c.add("{" + ok + ",\"received\":{}}");
    c.add("{" + ok + ",\"x\":{\"a\":[1,{\"b\":[[],{}]}],\"c\":null},\"y\":[[[]]],\"z\":null}");
    c.add("{\"x\":{\"schema\":2}," + ok + ",\"y\":[\"schema\"]}");
    c.add("{" + ok + ",\"ok\":false}");
    c.add("{" + ok + ",\"ok\":null}");
    c.add("{" + ok + ",\"tier\":\"2\"}");
    c.add("{" + ok + ",\"tier\":2}");
    c.add("{" + ok + ",\"event_id\":\"other\"}");
    c.add("{" + ok + ",\"event_id\":null}");
    c.add("{" + ok + ",\"schema\":1}");
    c.add("{" + ok + ",\"schema\":2}");
    c.add("{\"schema\":2," + ok + "}");
    c.add("{" + ok.replace("\"schema\":1", "\"schema\":1.0") + "}");
    c.add("{" + ok.replace("\"schema\":1", "\"schema\":1.5") + "}");
    c.add("{" + ok.replace("\"schema\":1", "\"schema\":\"1\"") + "}");
    c.add("{" + ok.replace("\"schema\":1", "\"schema\":\"one\"") + "}");
    c.add("{" + ok.replace("\"schema\":1", "\"schema\":null") + "}");
    c.add("{" + ok.replace("\"schema\":1", "\"schema\":4294967297") + "}");
    c.add("{" + ok.replace("\"schema\":1", "\"schema\":-1") + "}");
    c.add("{" + ok.replace("\"schema\":1", "\"schema\":true") + "}");
    c.add("{" + ok.replace("\"schema\":1,", "") + "}");
    c.add("{" + ok.replace("\"ok\":true", "\"ok\":\"true\"") + "}");
    c.add("{" + ok.replace("\"ok\":true", "\"ok\":1") + "}");
    c.add("{" + ok.replace("\"ok\":true", "\"ok\":0") + "}");
    c.add("{" + ok.replace("\"ok\":true", "\"ok\":\"perhaps\"") + "}");
    c.add("{" + ok.replace("\"ok\":true", "\"ok\":null") + "}");
    c.add("{" + ok.replace("\"ok\":true", "\"ok\":[]") + "}");
    c.add("{" + ok.replace("\"tier\":1", "\"tier\":null") + "}");
    c.add("{" + ok.replace("\"tier\":1", "\"tier\":\"1\"") + "}");
    c.add("{" + ok.replace("\"tier\":1", "\"tier\":1.9") + "}");
    c.add("{" + ok.replace("\"tier\":1", "\"tier\":1e0") + "}");
    c.add("{" + ok.replace("\"tier\":1", "\"tier\":2147483648") + "}");
    c.add("{" + ok.replace("\"tier\":1", "\"tier\":-2147483648") + "}");
    c.add("{" + ok.replace("\"tier\":1", "\"tier\":{}") + "}");
    c.add("{" + ok.replace("\"tier\":1", "\"tier\":\"\"") + "}");
    c.add("{" + ok.replace("\"tier\":1", "\"tier\":\" 1\"") + "}");
    c.add("{" + ok.replace("1767225600000", "\"1767225600000\"") + "}");
    c.add("{" + ok.replace("1767225600000", "\"yesterday\"") + "}");
    c.add("{" + ok.replace("1767225600000", "1767225600000.0") + "}");
    c.add("{" + ok.replace("1767225600000", "1.7672256E12") + "}");
    c.add("{" + ok.replace("1767225600000", "9223372036854775807") + "}");
    c.add("{" + ok.replace("1767225600000", "9223372036854775808") + "}");
    c.add("{" + ok.replace("1767225600000", "-1") + "}");
    c.add("{" + ok.replace("1767225600000", "01") + "}");
    c.add("{" + ok.replace("\"p\"", "5") + "}");
    c.add("{" + ok.replace("\"p\"", "5.5") + "}");
    c.add("{" + ok.replace("\"p\"", "true") + "}");
    c.add("{" + ok.replace("\"p\"", "{}") + "}");
    c.add("{" + ok.replace("\"p\"", "[]") + "}");
    c.add("{" + ok.replace("\"p\"", "[\"p\"]") + "}");
    c.add("{" + ok.replace("\"p\"", "\"\"") + "}");
    c.add("{" + ok.replace("\"p\"", "\"\\u00e9\\n\\t\\\"\\\\\\/\\ud83d\\ude00\"") + "}");
    c.add("{" + ok.replace("\"p\"", "\"\\ud83d\"") + "}");
    c.add("{" + ok.replace("\"p\"", "\"\\uzzzz\"") + "}");
    c.add("{" + ok.replace("\"p\"", "\"\u00e9\u4e2d\uD83D\uDE00\"") + "}");
    c.add("{" + ok.replace("\"p\"", "\"a\u0001b\"") + "}");
    c.add("{" + ok.replace("\"probe_id\"", "\"probe\\u005fid\"") + "}");
    c.add("{" + ok.replace("\"probe_id\"", "\"probeId\"") + "}");
    c.add("{" + ok.replace("\"probe_id\"", "\"PROBE_ID\"") + "}");
    c.add("{" + ok.replace("\"probe_id\"", "'probe_id'") + "}");
    c.add("{" + ok.replace("\"probe_id\"", "probe_id") + "}");
    c.add("{" + ok + ",\"rtt_ms\":[1,2,3],\"rtt_ms\":[4]}");
    c.add("{" + ok + ",\"rtt_ms\":\"x\",\"rtt_ms\":[4]}");
    c.add("{" + ok + ",\"rtt_ms\":[4],\"rtt_ms\":null}");
    c.add("{" + ok + ",\"tier\":\"x\"}");
    c.add("{\"tier\":\"x\"," + ok + "}");
    c.add("{" + ok + ",\"test\":null}");
    c.add("{\"test\":null," + ok + "}");
    c.add("{" + ok + ",\"metrics\":{\"a\":1},\"metrics\":{\"b\":2}}");
    c.add("{" + ok + ",\"error\":{\"stage\":\"a\"},\"error\":null}");
    c.add("{" + ok + ",\"sent\":1,\"sent\":2}");
    c.add("{" + ok + ",\"x\":1,\"x\":{}}");
    c.add("{" + ok + "/* comment */}");
    c.add("{" + ok + ",\"x\":\"" + "a".repeat(100_000) + "\"}");
    c.add("{" + ok + ",\"x\":" + "[".repeat(2000) + "]".repeat(2000) + "}");
    c.add("{" + ok + ",\"x\":" + "[".repeat(999) + "]".repeat(999) + "}");
    c.add("{" + ok + ",\"rtt_ms\":[" + "1".repeat(1200) + "]}");
    c.add("{" + ok + ",\"rtt_ms\":[0." + "1".repeat(1200) + "]}");
    for (String[] contract : contractCases()) {
      c.add(contract[0]);
    }
    return c;
  }

  /**
   * Inputs with the outcome the contract (the JSON Schema) gives them, as {document, reason}, the
   * reason {@code null} for a document that decodes. Agreeing with each other is not enough: both
   * paths once agreed on reading {@code "tier":2.9} as 2, and on ignoring a second object.
   */
  static List<String[]> contractCases() {
    String ok =
        "\"schema\":1,\"event_id\":\"e\",\"probe_id\":\"p\",\"target\":\"t\",\"test\":\"udp\","
            + "\"tier\":1,\"ts_ms\":1767225600000,\"ok\":true";
    String malformed = "malformed-json";
    String unknown = "unknown-schema";
    String missing = "missing-field";
    String wrong = "wrong-type";
    List<String[]> c = new ArrayList<>();
    // Content after the object (trailing whitespace is fine).
    c.add(new String[] {"{" + ok + "}{" + ok.replace("\"e\"", "\"e2\"") + "}", malformed});
    c.add(new String[] {"{" + ok + "} {" + ok + "}", malformed});
    c.add(new String[] {"{" + ok + "} x", malformed});
    c.add(new String[] {"{" + ok + "}{}", malformed});
    c.add(new String[] {"{" + ok + "}]", malformed});
    c.add(new String[] {"{" + ok + "} 1", malformed});
    c.add(new String[] {"{" + ok + "} \n\t\r", null});
    // The schema version: const 1; absent or null is a missing field, anything else unknown.
    for (String v : List.of("1.5", "\"1\"", "\"one\"", "true", "4294967297", "[1]", "{}", "2")) {
      c.add(new String[] {"{" + ok.replace("\"schema\":1", "\"schema\":" + v) + "}", unknown});
    }
    c.add(new String[] {"{" + ok.replace("\"schema\":1", "\"schema\":null") + "}", missing});
    c.add(new String[] {"{" + ok.replace("\"schema\":1,", "") + "}", missing});
    c.add(new String[] {"{" + ok.replace("\"schema\":1", "\"schema\":1.0") + "}", null});
    // Values of another JSON type than the schema's: rejected, not coerced.
    c.add(new String[] {"{" + ok + ",\"rtt_ms\":[\"\"],\"sent\":1}", wrong});
    c.add(new String[] {"{" + ok + ",\"rtt_ms\":[\"1.5\"]}", wrong});
    c.add(new String[] {"{" + ok.replace("\"tier\":1", "\"tier\":2.9") + "}", wrong});
    c.add(new String[] {"{" + ok.replace("\"tier\":1", "\"tier\":\"2\"") + "}", wrong});
    c.add(new String[] {"{" + ok.replace("\"ok\":true", "\"ok\":\"false\"") + "}", wrong});
    c.add(new String[] {"{" + ok.replace("\"ok\":true", "\"ok\":1") + "}", wrong});
    c.add(new String[] {"{" + ok.replace("\"p\"", "5") + "}", wrong});
    c.add(new String[] {"{" + ok.replace("1767225600000", "1767225600000.5") + "}", wrong});
    c.add(new String[] {"{" + ok + ",\"sent\":\"\"}", wrong});
    c.add(new String[] {"{" + ok + ",\"sent\":\"10\"}", wrong});
    c.add(new String[] {"{" + ok + ",\"metrics\":{\"a\":\"1.5\"}}", wrong});
    c.add(new String[] {"{" + ok + ",\"error\":{\"stage\":5}}", wrong});
    // Integers as JSON Schema reads them: no fractional part, whatever the notation.
    c.add(new String[] {"{" + ok.replace("\"tier\":1", "\"tier\":2.0") + "}", null});
    c.add(new String[] {"{" + ok.replace("1767225600000", "1.7672256E12") + "}", null});
    c.add(new String[] {"{" + ok + ",\"sent\":10.0,\"received\":9}", null});
    // Unchanged: NaN/Infinity as Jackson writes them, nulls for optional fields.
    c.add(new String[] {"{" + ok + ",\"rtt_ms\":[\"NaN\",null,\"-Infinity\"]}", null});
    c.add(new String[] {"{" + ok + ",\"sent\":null,\"received\":null,\"error\":null}", null});
    return c;
  }

  static List<byte[]> fixtures() throws Exception {
    List<byte[]> c = new ArrayList<>();
    for (var example : Examples.all()) {
      c.add(example.bytes());
    }
    c.add(new byte[0]);
    c.add(null);
    c.add(new byte[] {(byte) 0xff, (byte) 0xfe, 0x00});
    c.add(new byte[] {0});
    c.add(new byte[] {'{', (byte) 0xc3});
    for (Measurement m :
        List.of(Examples.HTTP_OK, Examples.HTTP_TLS_FAILED, Examples.UDP_WITH_LOSS)) {
      String json = SERDE.toJson(m);
      for (int cut = 0; cut <= json.length(); cut++) {
        c.add(json.substring(0, cut).getBytes(StandardCharsets.UTF_8));
      }
      c.add(
          json.replaceFirst("\\{", "{\"added_later\":{\"nested\":[1,2]},\"x\":null,")
              .getBytes(StandardCharsets.UTF_8));
    }
    // Non-finite values as Jackson writes them (strings).
    c.add(
        SERDE.toBytes(
            new Measurement(
                1,
                "e",
                "p",
                "t",
                "udp",
                1,
                5L,
                true,
                null,
                Arrays.asList(Double.NaN, null, Double.NEGATIVE_INFINITY),
                3,
                1,
                Map.of("jitter_ms", Double.POSITIVE_INFINITY))));
    return c;
  }

  // --- random messages and their mutations -----------------------------------------------------

  private static final String[] WEIRD_VALUES = {
    "null",
    "true",
    "false",
    "0",
    "1",
    "-1",
    "2",
    "-0",
    "1.0",
    "1.5",
    "-0.0",
    "1e2",
    "1E-3",
    "2147483647",
    "2147483648",
    "-2147483649",
    "9223372036854775807",
    "9223372036854775808",
    "123456789012345678901234567890",
    "1e400",
    "\"\"",
    "\"abc\"",
    "\"1\"",
    "\"1.5\"",
    "\"NaN\"",
    "\"true\"",
    "\" 2 \"",
    "\"1e3\"",
    "{}",
    "[]",
    "[1,null,2.5]",
    "[\"x\"]",
    "[[1]]",
    "[{}]",
    "{\"stage\":\"dns\",\"message\":\"m\"}",
    "{\"stage\":5}",
    "{\"a\":[1,{\"b\":null}]}",
    "{\"a\":1,\"a\":2}",
    "{\"dns_ms\":\"1\"}",
    "{\"x\":null}",
    "[null]",
    "\"\\u0000\"",
    "2.9",
    "2.0",
    "\"false\"",
    "\"2\"",
    "4294967297",
    "1.7672256E12",
    "[\"\"]",
  };

  private static final String[] FIELDS = {
    "schema",
    "event_id",
    "probe_id",
    "target",
    "test",
    "tier",
    "ts_ms",
    "ok",
    "error",
    "rtt_ms",
    "sent",
    "received",
    "metrics",
  };

  static Measurement randomMeasurement(Random r) {
    int kind = r.nextInt(4);
    String test = kind == 0 ? "http" : kind == 1 ? "udp" : kind == 2 ? "tcp" : "http";
    List<Double> rtts = null;
    Integer sent = null;
    Integer received = null;
    Map<String, Double> metrics = new LinkedHashMap<>();
    MeasurementError error = null;
    boolean ok = r.nextInt(10) != 0;
    if (kind == 1 || (kind == 2 && r.nextBoolean())) {
      int n = r.nextInt(12);
      Double[] values = new Double[n];
      int got = 0;
      for (int i = 0; i < n; i++) {
        values[i] = r.nextInt(8) == 0 ? null : randomDouble(r);
        got += values[i] == null ? 0 : 1;
      }
      rtts = Arrays.asList(values);
      sent = n;
      received = got;
      metrics.put("jitter_ms", randomDouble(r));
    } else {
      for (String name : List.of("dns_ms", "connect_ms", "tls_ms", "ttfb_ms", "total_ms")) {
        if (r.nextInt(6) != 0) {
          metrics.put(name, randomDouble(r));
        }
      }
      if (r.nextBoolean()) {
        metrics.put("status", (double) (100 + r.nextInt(500)));
      }
    }
    if (!ok || r.nextInt(20) == 0) {
      error =
          new MeasurementError(
              r.nextInt(10) == 0 ? null : pick(r, "dns", "connect", "tls", "http", "timeout"),
              r.nextInt(10) == 0 ? null : randomString(r));
    }
    return new Measurement(
        1,
        randomString(r),
        pick(r, "probe-a", "probe-b", "ü-probe", ""),
        randomString(r),
        test,
        r.nextInt(3),
        r.nextInt(5) == 0 ? r.nextInt() : 1_767_225_600_000L + r.nextInt(1 << 30),
        ok,
        error,
        rtts,
        sent,
        received,
        metrics);
  }

  private static double randomDouble(Random r) {
    switch (r.nextInt(6)) {
      case 0:
        return r.nextInt(1000);
      case 1:
        return Math.exp(3 * r.nextGaussian());
      case 2:
        return Double.longBitsToDouble(r.nextLong() & 0x7fefffffffffffffL);
      case 3:
        return r.nextDouble() * 1e-300;
      case 4:
        return Math.round(r.nextDouble() * 1000) / 100.0;
      default:
        return -r.nextDouble();
    }
  }

  private static String randomString(Random r) {
    StringBuilder sb = new StringBuilder();
    int n = r.nextInt(20);
    for (int i = 0; i < n; i++) {
      int k = r.nextInt(20);
      if (k == 0) {
        sb.append((char) r.nextInt(0x20));
      } else if (k == 1) {
        sb.append('"');
      } else if (k == 2) {
        sb.append('\\');
      } else if (k == 3) {
        sb.append("\uD83D\uDE00");
      } else if (k == 4) {
        sb.append((char) (0x80 + r.nextInt(0x700)));
      } else {
        sb.append((char) ('a' + r.nextInt(26)));
      }
    }
    return sb.toString();
  }

  @SafeVarargs
  private static <T> T pick(Random r, T... values) {
    return values[r.nextInt(values.length)];
  }

  /** The top-level fields of a message as (name, raw JSON value) pairs, duplicates allowed. */
  static List<String[]> fields(byte[] json) throws Exception {
    List<String[]> out = new ArrayList<>();
    JsonNode tree = MessageSerde.MAPPER.readTree(json);
    for (Iterator<Map.Entry<String, JsonNode>> it = tree.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      out.add(new String[] {e.getKey(), e.getValue().toString()});
    }
    return out;
  }

  static String render(List<String[]> fields, Random r) {
    StringBuilder sb = new StringBuilder("{");
    for (int i = 0; i < fields.size(); i++) {
      if (i > 0) {
        sb.append(r.nextInt(10) == 0 ? " , " : ",");
      }
      sb.append('"').append(fields.get(i)[0]).append("\":").append(fields.get(i)[1]);
    }
    return sb.append('}').toString();
  }

  static byte[] mutate(Measurement base, Random r) throws Exception {
    List<String[]> f = fields(SERDE.toBytes(base));
    int edits = 1 + r.nextInt(3);
    for (int e = 0; e < edits; e++) {
      int i = f.isEmpty() ? 0 : r.nextInt(f.size());
      switch (r.nextInt(10)) {
        case 0 -> {
          if (!f.isEmpty()) {
            f.remove(i);
          }
        }
        case 1 -> {
          if (!f.isEmpty()) {
            String[] copy = f.get(i).clone();
            if (r.nextBoolean()) {
              copy[1] = pick(r, WEIRD_VALUES);
            }
            f.add(r.nextInt(f.size() + 1), copy);
          }
        }
        case 2, 3 -> {
          if (!f.isEmpty()) {
            f.get(i)[1] = pick(r, WEIRD_VALUES);
          }
        }
        case 4 ->
            f.add(r.nextInt(f.size() + 1), new String[] {pick(r, FIELDS), pick(r, WEIRD_VALUES)});
        case 5 ->
            f.add(
                r.nextInt(f.size() + 1),
                new String[] {"unknown_" + r.nextInt(5), pick(r, WEIRD_VALUES)});
        case 6 -> java.util.Collections.shuffle(f, r);
        case 7 -> {
          // An element of rtt_ms or a metric of the wrong kind.
          for (String[] field : f) {
            if (field[0].equals("rtt_ms") && field[1].startsWith("[")) {
              field[1] =
                  "["
                      + pick(r, WEIRD_VALUES)
                      + (field[1].length() > 2 ? "," : "")
                      + field[1].substring(1);
            } else if (field[0].equals("metrics") && field[1].startsWith("{")) {
              field[1] =
                  "{\"m"
                      + r.nextInt(3)
                      + "\":"
                      + pick(r, WEIRD_VALUES)
                      + (field[1].length() > 2 ? "," : "")
                      + field[1].substring(1);
            } else if (field[0].equals("error") && field[1].startsWith("{")) {
              field[1] =
                  "{\""
                      + pick(r, "stage", "message", "other")
                      + "\":"
                      + pick(r, WEIRD_VALUES)
                      + (field[1].length() > 2 ? "," : "")
                      + field[1].substring(1);
            }
          }
        }
        default -> {
          if (!f.isEmpty()) {
            f.get(i)[1] = "null";
          }
        }
      }
    }
    byte[] bytes = render(f, r).getBytes(StandardCharsets.UTF_8);
    if (r.nextInt(3) == 0) {
      bytes = mutateBytes(bytes, r);
    }
    return bytes;
  }

  static byte[] mutateBytes(byte[] b, Random r) {
    if (b.length == 0) {
      return b;
    }
    int at = r.nextInt(b.length);
    byte[] garbage = {
      0,
      (byte) 0xff,
      (byte) 0xc3,
      (byte) 0x80,
      '{',
      '}',
      '[',
      ']',
      '"',
      ',',
      ':',
      '\\',
      ' ',
      'x',
      '1',
      '-',
      '.',
      'e',
      'n'
    };
    switch (r.nextInt(6)) {
      case 0:
        return Arrays.copyOf(b, at); // truncated
      case 1:
        { // a byte dropped
          byte[] out = new byte[b.length - 1];
          System.arraycopy(b, 0, out, 0, at);
          System.arraycopy(b, at + 1, out, at, b.length - at - 1);
          return out;
        }
      case 2:
        { // a byte inserted
          byte[] out = new byte[b.length + 1];
          System.arraycopy(b, 0, out, 0, at);
          out[at] = r.nextBoolean() ? garbage[r.nextInt(garbage.length)] : (byte) r.nextInt(256);
          System.arraycopy(b, at, out, at + 1, b.length - at);
          return out;
        }
      case 3:
        { // a byte replaced
          byte[] out = b.clone();
          out[at] = r.nextBoolean() ? garbage[r.nextInt(garbage.length)] : (byte) r.nextInt(256);
          return out;
        }
      case 4:
        { // garbage appended
          byte[] out = Arrays.copyOf(b, b.length + 1 + r.nextInt(3));
          for (int i = b.length; i < out.length; i++) {
            out[i] = garbage[r.nextInt(garbage.length)];
          }
          return out;
        }
      default:
        { // a slice duplicated
          int len = 1 + r.nextInt(Math.min(20, b.length - at));
          byte[] out = new byte[b.length + len];
          System.arraycopy(b, 0, out, 0, at + len);
          System.arraycopy(b, at, out, at + len, b.length - at);
          return out;
        }
    }
  }

  // --- the tests -------------------------------------------------------------------------------

  @Test
  void handWrittenEdgeCasesDecodeAlikeOnBothPaths() {
    for (String json : handWritten()) {
      check(json.getBytes(StandardCharsets.UTF_8));
    }
    assertThat(stats.get("accepted")).isGreaterThan(30);
    assertThat(stats.get("rejected")).isGreaterThan(50);
  }

  @Test
  void contractCasesGetTheContractsOutcomeOnBothPaths() {
    for (String[] c : contractCases()) {
      byte[] bytes = c[0].getBytes(StandardCharsets.UTF_8);
      check(bytes);
      Outcome viaTree = Outcome.of(SERDE::decodeViaTree, bytes);
      assertThat(viaTree.reason()).as("reason for %s (%s)", c[0], viaTree).isEqualTo(c[1]);
      if (c[1] == null) {
        assertThat(viaTree.value()).as(c[0]).isNotNull();
      }
    }
  }

  @Test
  void existingFixturesDecodeAlikeOnBothPaths() throws Exception {
    for (byte[] bytes : fixtures()) {
      check(bytes);
    }
    assertThat(stats.get("fast")).isGreaterThanOrEqualTo(3);
  }

  @Test
  void randomValidMessagesTakeTheFastPathAndDecodeAlike() throws Exception {
    Random r = new Random(SEED);
    for (int i = 0; i < 3_000; i++) {
      Measurement m = randomMeasurement(r);
      byte[] bytes = SERDE.toBytes(m);
      assertThat(MeasurementCodec.tryDecode(MessageSerde.MAPPER.getFactory(), bytes))
          .as("fast path of %s", SERDE.toJson(m))
          .isEqualTo(m);
      check(bytes);
      // The same message with its fields in another order and unknown fields in between.
      List<String[]> f = fields(bytes);
      f.add(r.nextInt(f.size() + 1), new String[] {"later", pick(r, WEIRD_VALUES)});
      java.util.Collections.shuffle(f, r);
      byte[] reordered = render(f, r).getBytes(StandardCharsets.UTF_8);
      assertThat(MeasurementCodec.tryDecode(MessageSerde.MAPPER.getFactory(), reordered))
          .isEqualTo(m);
      check(reordered);
    }
    assertThat(stats.get("fast")).isEqualTo(6_000);
  }

  @Test
  void seededMutationsOfValidMessagesDecodeAlike() throws Exception {
    Random r = new Random(SEED + 1);
    for (int i = 0; i < MUTATIONS; i++) {
      check(mutate(randomMeasurement(r), r));
    }
    System.out.println("differential mutations: " + stats);
    // The corpus exercises both outcomes and several reasons.
    assertThat(stats.get("accepted")).isGreaterThan(MUTATIONS / 20);
    assertThat(stats.get("fast")).isGreaterThan(MUTATIONS / 50);
    assertThat(stats.get("rejected")).isGreaterThan(MUTATIONS / 4);
    assertThat(stats.keySet())
        .contains(
            "reason:malformed-json",
            "reason:missing-field",
            "reason:wrong-type",
            "reason:unknown-schema");
  }

  private void check(byte[] bytes) {
    String shown = bytes == null ? "null" : new String(bytes, StandardCharsets.UTF_8);
    shown = shown.substring(0, Math.min(shown.length(), 400));
    Outcome viaTree = Outcome.of(SERDE::decodeViaTree, bytes);
    Outcome viaFast = Outcome.of(SERDE::fromBytes, bytes);
    assertThat(viaFast).as("decoding %s", shown).isEqualTo(viaTree);
    assertThat(
            viaTree.exception() == null
                || viaTree.exception().equals(MalformedMessageException.class.getName()))
        .as("only MalformedMessageException for %s, got %s", shown, viaTree)
        .isTrue();
    Measurement fast = MeasurementCodec.tryDecode(MessageSerde.MAPPER.getFactory(), bytes);
    if (fast != null) {
      assertThat(viaTree.value()).as("fast path alone on %s", shown).isEqualTo(fast);
      assertThat(SERDE.toJson(fast)).isEqualTo(viaTree.json());
      count("fast");
    }
    count(viaTree.value() != null ? "accepted" : "rejected");
    if (viaTree.reason() != null) {
      count("reason:" + viaTree.reason());
    }
  }

  private void count(String key) {
    stats.merge(key, 1, Integer::sum);
  }
}
