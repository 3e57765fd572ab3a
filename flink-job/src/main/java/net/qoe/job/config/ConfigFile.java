package net.qoe.job.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * A job configuration file: flat {@code key: value} YAML ({@code .yml}, {@code .yaml}) or a Java
 * properties file (any other name), with the flag names as keys ({@code window: 10s}). Problems are
 * added to the caller's list rather than thrown, so that they are reported together with every
 * other bad option.
 */
final class ConfigFile {

  private static final ObjectMapper YAML =
      new ObjectMapper(
          YAMLFactory.builder()
              .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
              .build());

  private ConfigFile() {}

  /** The file's keys and values as text, in file order; empty when it cannot be read. */
  static Map<String, String> read(Path path, List<String> problems) {
    if (!Files.isReadable(path)) {
      problems.add("--config: cannot read " + path);
      return Map.of();
    }
    String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
    try {
      return name.endsWith(".yml") || name.endsWith(".yaml")
          ? yaml(path, problems)
          : properties(path);
    } catch (JsonProcessingException e) {
      String where = e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")";
      problems.add(path + ": not valid YAML" + where + ": " + e.getOriginalMessage());
    } catch (IOException | IllegalArgumentException e) {
      problems.add(path + ": cannot be read: " + e.getMessage());
    }
    return Map.of();
  }

  private static Map<String, String> yaml(Path path, List<String> problems) throws IOException {
    Map<String, String> values = new LinkedHashMap<>();
    JsonNode root;
    try (JsonParser parser = YAML.createParser(path.toFile())) {
      root = YAML.readTree(parser);
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      return values; // an empty file configures nothing
    }
    if (!root.isObject()) {
      problems.add(path + ": expected 'key: value' lines with the flag names as keys");
      return values;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode v = e.getValue();
      if (v.isContainerNode()) {
        problems.add(path + ": '" + e.getKey() + "' must be a single value, not a list or section");
      } else {
        values.put(e.getKey().trim(), v.isNull() ? "" : v.asText());
      }
    }
    return values;
  }

  private static Map<String, String> properties(Path path) throws IOException {
    Properties p = new Properties();
    try (Reader in = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
      p.load(in);
    }
    Map<String, String> values = new LinkedHashMap<>();
    for (String key : p.stringPropertyNames()) {
      values.put(key.trim(), p.getProperty(key));
    }
    return values;
  }
}
