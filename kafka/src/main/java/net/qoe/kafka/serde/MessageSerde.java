package net.qoe.kafka.serde;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.json.JsonMapper;
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
 * version on every message. Reading checks the version and the required fields, so a record that
 * decodes is structurally complete; value checks (ranges, clocks) belong to the consumer.
 *
 * <p>Instances are immutable and thread-safe, and serializable so Flink functions can hold one.
 */
public final class MessageSerde<T> implements Serializable {

  private static final long serialVersionUID = 1L;

  /** The shared mapper: snake_case, no nulls written, unknown fields tolerated (forward compat). */
  public static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
          .serializationInclusion(JsonInclude.Include.NON_NULL)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
          .build();

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
      tree = MAPPER.readTree(bytes);
    } catch (IOException e) {
      throw new MalformedMessageException("malformed-json", firstLine(e.getMessage()), e);
    }
    if (tree == null || !tree.isObject()) {
      throw new MalformedMessageException("malformed-json", "expected a JSON object");
    }
    JsonNode schema = tree.get("schema");
    if (schema == null || !schema.canConvertToInt()) {
      throw new MalformedMessageException(
          "missing-field", "schema (the message version) is absent");
    }
    if (schema.intValue() != schemaVersion) {
      throw new MalformedMessageException(
          "unknown-schema",
          "schema "
              + schema.asText()
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
      return MAPPER.treeToValue(tree, type);
    } catch (MismatchedInputException e) {
      throw new MalformedMessageException("wrong-type", firstLine(e.getOriginalMessage()), e);
    } catch (IOException | IllegalArgumentException e) {
      throw new MalformedMessageException("wrong-type", firstLine(e.getMessage()), e);
    }
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
