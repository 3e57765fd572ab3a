package net.qoe.kafka.serde;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import java.io.IOException;
import java.io.Serializable;
import java.util.List;
import net.qoe.kafka.message.DeadLetter;
import net.qoe.kafka.message.Measurement;
import net.qoe.kafka.message.TierCommand;
import net.qoe.kafka.message.TuningCommand;
import net.qoe.kafka.message.TuningResult;

/**
 * The one way to turn a message into bytes and back. JSON, snake_case field names, a {@code schema}
 * version on every message. Reading checks that the bytes are one JSON object and nothing after it,
 * the version, the required fields and that every value has the JSON type the message's JSON Schema
 * gives it (no coercion: {@code "2"} is not a tier, nor {@code 2.9}), so a record that decodes is
 * structurally complete; value checks (ranges, clocks) belong to the consumer.
 *
 * <p>Instances are immutable and thread-safe, and serializable so Flink functions can hold one.
 */
public final class MessageSerde<T> implements Serializable {

  private static final long serialVersionUID = 1L;

  /** The shared mapper: snake_case, no nulls written, unknown fields tolerated (forward compat). */
  public static final ObjectMapper MAPPER = common().build();

  /**
   * The reader of messages ({@link #fromBytes}): {@link #MAPPER}'s settings, but it takes every
   * value with the JSON type the message's JSON Schema gives it instead of coercing it. Content
   * after the object is an error (not ignored); a string is never read as a number or a boolean
   * (nor an empty string as null), a number or a boolean never as a string, a number never as a
   * boolean, and an integer field takes a number only when it has no fractional part (JSON Schema's
   * {@code "type": "integer"}, so {@code 2.0} is 2 but {@code 2.9} is an error). Non-finite numbers
   * keep arriving as the strings Jackson writes for them ({@code "NaN"}, {@code "Infinity"}) so the
   * job's validator can name them. Kept apart from {@link #MAPPER}, which also reads the probe's
   * tool output and configuration.
   */
  private static final ObjectMapper READER =
      common()
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
          .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
          .withCoercionConfig(
              LogicalType.Textual,
              c ->
                  c.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                      .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                      .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
          .addModule(IntegralNumbers.module())
          .build();

  private static JsonMapper.Builder common() {
    return JsonMapper.builder()
        .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
        .serializationInclusion(JsonInclude.Include.NON_NULL)
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
  }

  public static final MessageSerde<Measurement> MEASUREMENT =
      new MessageSerde<>(
          Measurement.class,
          Measurement.SCHEMA_VERSION,
          List.of("event_id", "probe_id", "target", "test", "tier", "ts_ms", "ok"));

  public static final MessageSerde<TierCommand> TIER_COMMAND =
      new MessageSerde<>(
          TierCommand.class,
          1,
          List.of(
              "command_id",
              "probe_id",
              "target",
              "from_tier",
              "to_tier",
              "reason",
              "issued_ms",
              "expires_ms"));

  public static final MessageSerde<TuningCommand> TUNING_COMMAND =
      new MessageSerde<>(
          TuningCommand.class,
          1,
          List.of("change_id", "system", "lever", "to_value", "action", "issued_ms", "expires_ms"));

  public static final MessageSerde<TuningResult> TUNING_RESULT =
      new MessageSerde<>(
          TuningResult.class, 1, List.of("change_id", "system", "lever", "status", "completed_ms"));

  public static final MessageSerde<DeadLetter> DEAD_LETTER =
      new MessageSerde<>(
          DeadLetter.class,
          1,
          List.of(
              "source_topic",
              "partition",
              "offset",
              "stage",
              "reason",
              "record_ts_ms",
              "observed_ms"));

  private final Class<T> type;
  private final int schemaVersion;
  private final List<String> requiredFields;

  private MessageSerde(Class<T> type, int schemaVersion, List<String> requiredFields) {
    this.type = type;
    this.schemaVersion = schemaVersion;
    this.requiredFields = List.copyOf(requiredFields);
  }

  public Class<T> type() {
    return type;
  }

  public int schemaVersion() {
    return schemaVersion;
  }

  /**
   * The fields {@link #fromBytes} insists on (besides {@code schema}), by their JSON names; the
   * same as the {@code required} list of the message's JSON Schema.
   */
  public List<String> requiredFields() {
    return requiredFields;
  }

  public byte[] toBytes(T message) {
    try {
      return MAPPER.writeValueAsBytes(message);
    } catch (JsonProcessingException e) {
      // Records of plain fields always serialize; failing here is a bug in the record.
      throw new IllegalStateException("cannot serialize " + type.getSimpleName(), e);
    }
  }

  public String toJson(T message) {
    return new String(toBytes(message), java.nio.charset.StandardCharsets.UTF_8);
  }

  /** Decodes bytes; never returns null, and says precisely what was wrong when it throws. */
  public T fromBytes(byte[] bytes) throws MalformedMessageException {
    if (type == Measurement.class) {
      // One pass over the bytes for the plain shape; anything else, every error included, is
      // decided by the tree path below, so results and reasons are the same either way.
      Measurement fast = MeasurementCodec.tryDecode(MAPPER.getFactory(), bytes);
      if (fast != null) {
        return type.cast(fast);
      }
    }
    return decodeViaTree(bytes);
  }

  /**
   * The general decoder: parses into a tree, checks the version and the required fields, then binds
   * the tree to the record. Every error is decided here.
   */
  T decodeViaTree(byte[] bytes) throws MalformedMessageException {
    if (bytes == null || bytes.length == 0) {
      throw new MalformedMessageException("empty", "the record has no value");
    }
    JsonNode tree;
    try {
      tree = READER.readTree(bytes);
    } catch (IOException e) {
      throw new MalformedMessageException("malformed-json", firstLine(e.getMessage()), e);
    }
    if (tree == null || !tree.isObject()) {
      throw new MalformedMessageException("malformed-json", "expected a JSON object");
    }
    JsonNode schema = tree.get("schema");
    if (schema == null || schema.isNull()) {
      throw new MalformedMessageException(
          "missing-field", "schema (the message version) is absent");
    }
    if (!isVersion(schema, schemaVersion)) {
      throw new MalformedMessageException(
          "unknown-schema",
          "schema "
              + shown(schema)
              + " is not understood by this reader of "
              + type.getSimpleName()
              + " (expects "
              + schemaVersion
              + ")");
    }
    for (String field : requiredFields) {
      JsonNode value = tree.get(field);
      if (value == null || value.isNull()) {
        throw new MalformedMessageException("missing-field", field + " is required");
      }
    }
    try {
      return READER.treeToValue(tree, type);
    } catch (JsonMappingException e) {
      throw new MalformedMessageException("wrong-type", wrongType(tree, e), e);
    } catch (IOException | IllegalArgumentException e) {
      throw new MalformedMessageException("wrong-type", firstLine(e.getMessage()), e);
    }
  }

  /**
   * Whether a present {@code schema} value is this version: a JSON number equal to it ({@code 1} or
   * {@code 1.0}, as JSON Schema's {@code const} compares numbers), not a string, a boolean, a
   * fraction or a number that only wraps around to it.
   */
  private static boolean isVersion(JsonNode schema, int version) {
    return schema.isNumber()
        && schema.canConvertToExactIntegral()
        && schema.canConvertToInt()
        && schema.intValue() == version;
  }

  /**
   * What was wrong with a value that would not bind, naming the field as the job's validator does
   * ({@code tier}, {@code rtt_ms[0]}, {@code error.stage}, {@code metrics.dns_ms}) and quoting the
   * value as JSON, e.g. {@code tier must be an integer (int), got 2.9}.
   */
  private static String wrongType(JsonNode tree, JsonMappingException e) {
    StringBuilder path = new StringBuilder();
    JsonNode value = tree;
    for (JsonMappingException.Reference ref : e.getPath()) {
      String name = ref.getFieldName();
      if (name != null) {
        if (path.length() > 0) {
          path.append('.');
        }
        path.append(name);
        value = value == null ? null : value.get(name);
      } else if (ref.getIndex() >= 0) {
        path.append('[').append(ref.getIndex()).append(']');
        value = value == null ? null : value.get(ref.getIndex());
      }
    }
    Class<?> target = null;
    if (e instanceof MismatchedInputException mismatch) {
      target = mismatch.getTargetType();
    } else if (e.getCause() instanceof InputCoercionException coercion) {
      target = coercion.getTargetType(); // a number out of the range of its field's type
    }
    String expected = target == null ? null : expectedJson(target);
    if (path.length() == 0 || value == null || value == tree || expected == null) {
      String detail = firstLine(e.getOriginalMessage());
      return path.length() == 0 ? detail : path + ": " + detail;
    }
    return path + " must be " + expected + ", got " + shown(value);
  }

  /** The JSON a field of a record component's type takes, in words. */
  private static String expectedJson(Class<?> target) {
    if (target == int.class || target == Integer.class) {
      return "an integer (int)";
    }
    if (target == long.class || target == Long.class) {
      return "an integer (long)";
    }
    if (target == double.class || target == Double.class) {
      return "a number";
    }
    if (target == boolean.class || target == Boolean.class) {
      return "true or false";
    }
    if (target == String.class) {
      return "a string";
    }
    if (java.util.Collection.class.isAssignableFrom(target) || target.isArray()) {
      return "an array";
    }
    if (java.util.Map.class.isAssignableFrom(target) || target.isRecord()) {
      return "an object";
    }
    return null;
  }

  /** A value as JSON, cut short when long (it ends up in a dead letter's detail). */
  private static String shown(JsonNode value) {
    String json = value.toString();
    return json.length() <= 80 ? json : json.substring(0, 77) + "...";
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
