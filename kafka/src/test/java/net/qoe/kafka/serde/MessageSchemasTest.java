package net.qoe.kafka.serde;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import net.qoe.kafka.message.DeadLetter;
import net.qoe.kafka.message.Measurement;
import net.qoe.kafka.message.MeasurementError;
import net.qoe.kafka.message.TierCommand;
import net.qoe.kafka.message.TuningCommand;
import net.qoe.kafka.message.TuningResult;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every message round-trips through the serde, and what the serde writes obeys its schema. */
class MessageSchemasTest {

  static final MessageSigner SIGNER = MessageSigner.fromSecret("a-test-secret-of-32-characters!!");

  static Stream<Arguments> examples() {
    return Stream.of(
        Arguments.of(
            "measurement.schema.json",
            MessageSerde.MEASUREMENT,
            new Measurement(
                1,
                "0d7c1e9a-2d2e-4b8e-9a51-3f1b1c2d4e5f",
                "probe-a",
                "web-1",
                "http",
                1,
                1_767_225_600_000L,
                true,
                null,
                null,
                null,
                null,
                Map.of(
                    "dns_ms",
                    1.5,
                    "connect_ms",
                    0.4,
                    "tls_ms",
                    3.2,
                    "ttfb_ms",
                    20.1,
                    "total_ms",
                    25.3,
                    "status",
                    200.0,
                    "bytes",
                    512.0))),
        Arguments.of(
            "measurement.schema.json",
            MessageSerde.MEASUREMENT,
            new Measurement(
                1,
                "3a1e",
                "probe-a",
                "echo",
                "udp",
                2,
                1_767_225_600_000L,
                false,
                new MeasurementError("timeout", "no reply within 1000 ms"),
                Arrays.asList(0.21, null, 0.25),
                3,
                2,
                Map.of("loss_pct", 33.3))),
        Arguments.of(
            "tier-command.schema.json",
            MessageSerde.TIER_COMMAND,
            SIGNER.sign(
                new TierCommand(
                    1,
                    "cmd-1",
                    "probe-a",
                    "web-1",
                    1,
                    2,
                    List.of("extended_ping", "mtr", "tls"),
                    "http total p95 2450 ms > 2000 ms for 1 window",
                    1_767_225_600_000L,
                    1_767_226_500_000L,
                    null))),
        Arguments.of(
            "tuning-command.schema.json",
            MessageSerde.TUNING_COMMAND,
            SIGNER.sign(
                new TuningCommand(
                    1,
                    "chg-1",
                    "postgres:qoe",
                    "shared_buffers",
                    "128MB",
                    "256MB",
                    "apply",
                    "medium",
                    "p95 write latency 1.4x its target",
                    1L,
                    2L,
                    null))),
        Arguments.of(
            "tuning-result.schema.json",
            MessageSerde.TUNING_RESULT,
            SIGNER.sign(
                new TuningResult(
                    1,
                    "chg-1",
                    "postgres:qoe",
                    "shared_buffers",
                    "applied",
                    "256MB",
                    "256MB",
                    null,
                    "actuator-1",
                    3L,
                    null))),
        Arguments.of(
            "dead-letter.schema.json",
            MessageSerde.DEAD_LETTER,
            new DeadLetter(
                1,
                "qoe.measurements",
                2,
                41L,
                "cHJvYmUtYXx3ZWItMQ==",
                "bm90IGpzb24=",
                "deserialize",
                "malformed-json",
                "Unrecognized token 'not'",
                null,
                1_767_225_600_000L,
                1_767_225_600_100L)));
  }

  @ParameterizedTest(name = "{0}: {2}")
  @MethodSource("examples")
  <T> void roundTripsAndMatchesItsSchema(String schemaFile, MessageSerde<T> serde, T message)
      throws Exception {
    byte[] bytes = serde.toBytes(message);
    assertThat(serde.fromBytes(bytes)).isEqualTo(message);
    Set<ValidationMessage> problems =
        schema(schemaFile).validate(MessageSerde.MAPPER.readTree(bytes));
    assertThat(problems).isEmpty();
  }

  @ParameterizedTest(name = "{0} rejects a document without its first required field")
  @MethodSource("examples")
  <T> void schemaRejectsAMissingRequiredField(String schemaFile, MessageSerde<T> serde, T message)
      throws Exception {
    JsonSchema schema = schema(schemaFile);
    ObjectNode doc = (ObjectNode) MessageSerde.MAPPER.readTree(serde.toBytes(message));
    String required = schema.getSchemaNode().get("required").get(1).asText();
    doc.remove(required);
    assertThat(schema.validate(doc))
        .extracting(ValidationMessage::getMessage)
        .anySatisfy(m -> assertThat(m).contains(required));
  }

  @ParameterizedTest(name = "{0} rejects another schema version")
  @MethodSource("examples")
  <T> void schemaRejectsAnotherVersion(String schemaFile, MessageSerde<T> serde, T message)
      throws Exception {
    ObjectNode doc = (ObjectNode) MessageSerde.MAPPER.readTree(serde.toBytes(message));
    doc.put("schema", 2);
    assertThat(schema(schemaFile).validate(doc)).isNotEmpty();
  }

  @org.junit.jupiter.api.Test
  void measurementSchemaRejectsATierOutOfRangeAndANonNumericMetric() throws Exception {
    JsonSchema schema = schema("measurement.schema.json");
    JsonNode bad =
        MessageSerde.MAPPER.readTree(
            "{\"schema\":1,\"event_id\":\"e\",\"probe_id\":\"p\",\"target\":\"t\",\"test\":\"http\","
                + "\"tier\":4,\"ts_ms\":1,\"ok\":true,\"metrics\":{\"total_ms\":\"fast\"}}");
    assertThat(schema.validate(bad)).hasSize(2);
  }

  static JsonSchema schema(String file) throws Exception {
    try (InputStream in = MessageSerde.class.getResourceAsStream("/schemas/" + file)) {
      assertThat(in).as("schema resource %s", file).isNotNull();
      return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
    }
  }
}
