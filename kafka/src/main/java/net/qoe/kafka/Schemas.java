package net.qoe.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import net.qoe.kafka.message.DeadLetter;
import net.qoe.kafka.message.Measurement;
import net.qoe.kafka.message.TierCommand;
import net.qoe.kafka.message.TuningCommand;
import net.qoe.kafka.message.TuningResult;
import net.qoe.kafka.serde.MessageSerde;

/**
 * The JSON Schema (draft 2020-12) of every message, as classpath resources under {@code /schemas/}.
 * They describe exactly what {@link MessageSerde} writes; this class only finds and reads them (no
 * validator is needed on the main classpath).
 */
public final class Schemas {

  /** The classpath folder holding the schema files. */
  public static final String DIRECTORY = "/schemas/";

  private static final Map<Class<?>, String> FILES;

  static {
    Map<Class<?>, String> files = new LinkedHashMap<>();
    files.put(Measurement.class, "measurement.schema.json");
    files.put(TierCommand.class, "tier-command.schema.json");
    files.put(TuningCommand.class, "tuning-command.schema.json");
    files.put(TuningResult.class, "tuning-result.schema.json");
    files.put(DeadLetter.class, "dead-letter.schema.json");
    FILES = java.util.Collections.unmodifiableMap(files);
  }

  private Schemas() {}

  /** The message types that have a schema. */
  public static Set<Class<?>> messageTypes() {
    return FILES.keySet();
  }

  /**
   * The classpath resource of a message type's schema, e.g. {@code
   * /schemas/measurement.schema.json}.
   */
  public static String resourcePath(Class<?> messageType) {
    String file = FILES.get(messageType);
    if (file == null) {
      throw new IllegalArgumentException("no JSON Schema for " + messageType.getName());
    }
    return DIRECTORY + file;
  }

  /** The schema resource of the messages a serde reads and writes. */
  public static String resourcePath(MessageSerde<?> serde) {
    return resourcePath(serde.type());
  }

  /** Opens a message type's schema; the caller closes the stream. */
  public static InputStream open(Class<?> messageType) {
    String path = resourcePath(messageType);
    InputStream in = Schemas.class.getResourceAsStream(path);
    if (in == null) {
      throw new IllegalStateException("schema resource " + path + " is missing from the classpath");
    }
    return in;
  }

  /** A message type's schema as text. */
  public static String text(Class<?> messageType) {
    try (InputStream in = open(messageType)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + resourcePath(messageType), e);
    }
  }

  /** A message type's schema as a JSON tree. */
  public static JsonNode json(Class<?> messageType) {
    try (InputStream in = open(messageType)) {
      return MessageSerde.MAPPER.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + resourcePath(messageType), e);
    }
  }
}
