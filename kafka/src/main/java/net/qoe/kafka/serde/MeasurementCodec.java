package net.qoe.kafka.serde;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import net.qoe.kafka.message.ImmutableDoubleList;
import net.qoe.kafka.message.ImmutableMetricMap;
import net.qoe.kafka.message.Measurement;
import net.qoe.kafka.message.MeasurementError;

/**
 * The fast path of {@link MessageSerde#MEASUREMENT}: reads a measurement in one pass over the bytes
 * with Jackson's streaming parser, without building a tree and without reflective binding.
 *
 * <p>It only accepts the plain shape every writer of this contract produces: each known field at
 * most once, with its natural JSON type (strings as strings, integers as integers that fit, {@code
 * ok} as a boolean, numbers or {@code null} in {@code rtt_ms} and {@code metrics}); unknown fields,
 * including nested objects and arrays, are skipped. For anything else (bad JSON, a missing or null
 * required field, another schema version, a duplicate field, a value of another JSON type such as a
 * number given as a string or a float for an integer, trailing content) it gives up and returns
 * {@code null}, and the caller decodes through the tree, which decides: the same result, or the
 * precise error (most of these are errors there too; an integral float such as {@code 2.0} for an
 * integer is taken). So the fast path never decides an error itself and cannot change what a bad
 * record is rejected for.
 */
final class MeasurementCodec {

  private static final int SCHEMA = 1;
  private static final int EVENT_ID = 1 << 1;
  private static final int PROBE_ID = 1 << 2;
  private static final int TARGET = 1 << 3;
  private static final int TEST = 1 << 4;
  private static final int TIER = 1 << 5;
  private static final int TS_MS = 1 << 6;
  private static final int OK = 1 << 7;
  private static final int ERROR = 1 << 8;
  private static final int RTT_MS = 1 << 9;
  private static final int SENT = 1 << 10;
  private static final int RECEIVED = 1 << 11;
  private static final int METRICS = 1 << 12;

  /** The fields that must be present and not null (the serde's required fields and schema). */
  private static final int REQUIRED =
      SCHEMA | EVENT_ID | PROBE_ID | TARGET | TEST | TIER | TS_MS | OK;

  /** Thrown (preallocated, no stack trace) when the input leaves the plain shape. */
  private static final class NotPlain extends Exception {
    private static final long serialVersionUID = 1L;

    NotPlain() {
      super("not in the plain shape", null, false, false);
    }
  }

  private static final NotPlain NOT_PLAIN = new NotPlain();

  private MeasurementCodec() {}

  /**
   * The measurement in {@code bytes}, or {@code null} when this reader does not handle the input
   * (then the tree path decides, including every error). Never throws.
   */
  static Measurement tryDecode(JsonFactory factory, byte[] bytes) {
    if (bytes == null || bytes.length == 0) {
      return null;
    }
    try (JsonParser p = factory.createParser(bytes)) {
      // Most of the time of a decode is turning decimal text into doubles; this parser (bundled
      // with Jackson) gives the same, correctly rounded double as Double.parseDouble, which the
      // tree path uses, at a fraction of the cost (see FastDoubleParsingTest).
      p.enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER.mappedFeature());
      Measurement m = read(p);
      // Anything after the object (even another value) is left to the tree path.
      return p.nextToken() == null ? m : null;
    } catch (NotPlain | IOException | RuntimeException e) {
      return null;
    }
  }

  private static Measurement read(JsonParser p) throws IOException, NotPlain {
    if (p.nextToken() != JsonToken.START_OBJECT) {
      throw NOT_PLAIN;
    }
    int seen = 0;
    String eventId = null;
    String probeId = null;
    String target = null;
    String test = null;
    int tier = 0;
    long tsMs = 0;
    boolean ok = false;
    MeasurementError error = null;
    List<Double> rttMs = null;
    Integer sent = null;
    Integer received = null;
    Map<String, Double> metrics = null;
    String name;
    while ((name = p.nextFieldName()) != null) {
      JsonToken t = p.nextToken();
      int field;
      switch (name) {
        case "schema":
          field = SCHEMA;
          if (intValue(p, t) != Measurement.SCHEMA_VERSION) {
            throw NOT_PLAIN;
          }
          break;
        case "event_id":
          field = EVENT_ID;
          eventId = string(p, t);
          break;
        case "probe_id":
          field = PROBE_ID;
          probeId = string(p, t);
          break;
        case "target":
          field = TARGET;
          target = string(p, t);
          break;
        case "test":
          field = TEST;
          test = string(p, t);
          break;
        case "tier":
          field = TIER;
          tier = intValue(p, t);
          break;
        case "ts_ms":
          field = TS_MS;
          tsMs = longValue(p, t);
          break;
        case "ok":
          field = OK;
          if (t == JsonToken.VALUE_TRUE) {
            ok = true;
          } else if (t == JsonToken.VALUE_FALSE) {
            ok = false;
          } else {
            throw NOT_PLAIN;
          }
          break;
        case "error":
          field = ERROR;
          error = t == JsonToken.VALUE_NULL ? null : error(p, t);
          break;
        case "rtt_ms":
          field = RTT_MS;
          rttMs = t == JsonToken.VALUE_NULL ? null : rtts(p, t);
          break;
        case "sent":
          field = SENT;
          sent = t == JsonToken.VALUE_NULL ? null : intValue(p, t);
          break;
        case "received":
          field = RECEIVED;
          received = t == JsonToken.VALUE_NULL ? null : intValue(p, t);
          break;
        case "metrics":
          field = METRICS;
          metrics = t == JsonToken.VALUE_NULL ? null : metrics(p, t);
          break;
        default:
          // Forward compatibility: a field this version does not know, whatever its value.
          p.skipChildren();
          continue;
      }
      if ((seen & field) != 0) {
        throw NOT_PLAIN; // a duplicate: the tree path decides which one counts
      }
      seen |= field;
    }
    if ((seen & REQUIRED) != REQUIRED) {
      throw NOT_PLAIN; // the tree path names the missing field
    }
    return new Measurement(
        Measurement.SCHEMA_VERSION,
        eventId,
        probeId,
        target,
        test,
        tier,
        tsMs,
        ok,
        error,
        rttMs,
        sent,
        received,
        metrics);
  }

  private static String string(JsonParser p, JsonToken t) throws IOException, NotPlain {
    if (t != JsonToken.VALUE_STRING) {
      throw NOT_PLAIN;
    }
    return p.getText();
  }

  private static int intValue(JsonParser p, JsonToken t) throws IOException, NotPlain {
    if (t != JsonToken.VALUE_NUMBER_INT || p.getNumberType() != JsonParser.NumberType.INT) {
      throw NOT_PLAIN;
    }
    return p.getIntValue();
  }

  private static long longValue(JsonParser p, JsonToken t) throws IOException, NotPlain {
    if (t != JsonToken.VALUE_NUMBER_INT) {
      throw NOT_PLAIN;
    }
    JsonParser.NumberType type = p.getNumberType();
    if (type != JsonParser.NumberType.INT && type != JsonParser.NumberType.LONG) {
      throw NOT_PLAIN;
    }
    return p.getLongValue();
  }

  /** A number or null as in {@code rtt_ms} and {@code metrics}; null for JSON null. */
  private static Double number(JsonParser p, JsonToken t) throws IOException, NotPlain {
    if (t == JsonToken.VALUE_NULL) {
      return null;
    }
    if (t == JsonToken.VALUE_NUMBER_FLOAT) {
      // JSON text floats are doubles to this parser (no need to ask it for the number type).
    } else if (t == JsonToken.VALUE_NUMBER_INT) {
      JsonParser.NumberType type = p.getNumberType();
      if (type != JsonParser.NumberType.INT && type != JsonParser.NumberType.LONG) {
        throw NOT_PLAIN;
      }
    } else {
      throw NOT_PLAIN;
    }
    double v = p.getDoubleValue();
    if (Double.isInfinite(v) || Double.isNaN(v)) {
      throw NOT_PLAIN; // out of range: left to the tree path
    }
    return v;
  }

  private static MeasurementError error(JsonParser p, JsonToken t) throws IOException, NotPlain {
    if (t != JsonToken.START_OBJECT) {
      throw NOT_PLAIN;
    }
    String stage = null;
    String message = null;
    boolean seenStage = false;
    boolean seenMessage = false;
    String name;
    while ((name = p.nextFieldName()) != null) {
      JsonToken v = p.nextToken();
      if ("stage".equals(name)) {
        if (seenStage) {
          throw NOT_PLAIN;
        }
        seenStage = true;
        stage = v == JsonToken.VALUE_NULL ? null : string(p, v);
      } else if ("message".equals(name)) {
        if (seenMessage) {
          throw NOT_PLAIN;
        }
        seenMessage = true;
        message = v == JsonToken.VALUE_NULL ? null : string(p, v);
      } else {
        p.skipChildren();
      }
    }
    return new MeasurementError(stage, message);
  }

  private static List<Double> rtts(JsonParser p, JsonToken t) throws IOException, NotPlain {
    if (t != JsonToken.START_ARRAY) {
      throw NOT_PLAIN;
    }
    // Collected in an array the measurement then keeps as it is (no copy in its constructor).
    Double[] out = new Double[16];
    int n = 0;
    JsonToken v;
    while ((v = p.nextToken()) != JsonToken.END_ARRAY) {
      if (n == out.length) {
        out = Arrays.copyOf(out, 2 * n);
      }
      out[n++] = number(p, v);
    }
    return ImmutableDoubleList.of(out, n);
  }

  private static Map<String, Double> metrics(JsonParser p, JsonToken t)
      throws IOException, NotPlain {
    if (t != JsonToken.START_OBJECT) {
      throw NOT_PLAIN;
    }
    // Collected in arrays the measurement then keeps as they are; the map sorts them by name
    // unless they are sorted already (as every writer of this contract writes them).
    String[] names = new String[8];
    Double[] values = new Double[8];
    int n = 0;
    String name;
    while ((name = p.nextFieldName()) != null) {
      if (n == names.length) {
        names = Arrays.copyOf(names, 2 * n);
        values = Arrays.copyOf(values, 2 * n);
      }
      names[n] = name;
      values[n++] = number(p, p.nextToken());
    }
    ImmutableMetricMap out = ImmutableMetricMap.of(names, values, n);
    if (out.size() != n) {
      throw NOT_PLAIN; // a duplicate name: the tree path decides which one counts
    }
    return out;
  }
}
