package net.qoe.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.InputStream;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import net.qoe.kafka.Examples.Example;
import net.qoe.kafka.message.DeadLetter;
import net.qoe.kafka.message.Measurement;
import net.qoe.kafka.message.TierCommand;
import net.qoe.kafka.message.TuningCommand;
import net.qoe.kafka.message.TuningResult;
import net.qoe.kafka.serde.MessageSerde;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The JSON Schemas say exactly what the serde writes: every example validates, and documents that
 * break the contract are rejected.
 */
class SchemasTest {

  private static final JsonSchemaFactory FACTORY =
      JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);

  static List<Example<?>> examples() {
    return Examples.all();
  }

  static List<Example<?>> onePerType() {
    return Examples.onePerType();
  }

  // --- the schemas themselves -------------------------------------------------------------

  @ParameterizedTest(name = "{0}")
  @MethodSource("onePerType")
  void theSchemaIsAValidDraft202012Schema(Example<?> example) {
    JsonSchema meta =
        FACTORY.getSchema(SchemaLocation.of("https://json-schema.org/draft/2020-12/schema"));
    JsonNode schema = Schemas.json(example.serde().type());
    assertThat(schema.get("$schema").asText())
        .isEqualTo("https://json-schema.org/draft/2020-12/schema");
    assertThat(meta.validate(schema)).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("onePerType")
  void theSchemaHasExactlyTheRecordsFieldsInSnakeCase(Example<?> example) {
    Class<?> type = example.serde().type();
    List<String> fields = new ArrayList<>();
    for (RecordComponent c : type.getRecordComponents()) {
      fields.add(new PropertyNamingStrategies.SnakeCaseStrategy().translate(c.getName()));
    }
    assertThat(names(Schemas.json(type).get("properties")))
        .containsExactlyInAnyOrderElementsOf(fields);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("onePerType")
  void theSchemaRequiresWhatTheSerdeRequiresPlusTheVersion(Example<?> example) {
    List<String> required = new ArrayList<>();
    Schemas.json(example.serde().type()).get("required").forEach(n -> required.add(n.asText()));
    List<String> expected = new ArrayList<>(List.of("schema"));
    expected.addAll(example.serde().requiredFields());
    assertThat(required).containsExactlyInAnyOrderElementsOf(expected);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("onePerType")
  void everyPrimitiveFieldIsRequiredSinceAMissingOneWouldReadAsZero(Example<?> example) {
    List<String> required = new ArrayList<>(example.serde().requiredFields());
    required.add("schema");
    for (RecordComponent c : example.serde().type().getRecordComponents()) {
      if (c.getType().isPrimitive()) {
        assertThat(required)
            .contains(new PropertyNamingStrategies.SnakeCaseStrategy().translate(c.getName()));
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("onePerType")
  void everyFieldIsDescribedAndTheVersionIsFixedAtOne(Example<?> example) {
    JsonNode schema = Schemas.json(example.serde().type());
    assertThat(schema.get("description").asText()).isNotBlank();
    assertThat(schema.get("additionalProperties").asBoolean(true)).isFalse();
    assertThat(schema.at("/properties/schema/const").asInt()).isEqualTo(1);
    schema
        .get("properties")
        .fields()
        .forEachRemaining(
            f ->
                assertThat(f.getValue().path("description").asText())
                    .as("description of %s", f.getKey())
                    .isNotBlank());
  }

  @Test
  void theEnumsOfTheSchemasAreTheRecordsConstants() {
    assertThat(enumOf(DeadLetter.class, "stage")).isEqualTo(DeadLetter.STAGES);
    assertThat(enumOf(TuningResult.class, "status")).isEqualTo(TuningResult.STATUSES);
    assertThat(enumOf(TuningCommand.class, "action")).isEqualTo(TuningCommand.ACTIONS);
    assertThat(enumOf(TuningCommand.class, "cost")).isEqualTo(TuningCommand.COSTS);
  }

  @Test
  void everyMessageTypeHasASchemaResource() {
    assertThat(Schemas.messageTypes())
        .containsExactlyInAnyOrder(
            Measurement.class,
            TierCommand.class,
            TuningCommand.class,
            TuningResult.class,
            DeadLetter.class);
    assertThat(Schemas.resourcePath(MessageSerde.TIER_COMMAND))
        .isEqualTo("/schemas/tier-command.schema.json");
    assertThat(Schemas.text(Measurement.class)).contains("\"title\": \"Measurement\"");
    assertThatThrownBy(() -> Schemas.resourcePath(String.class))
        .isInstanceOf(IllegalArgumentException.class);
  }

  // --- valid documents ----------------------------------------------------------------------

  @ParameterizedTest(name = "{0}")
  @MethodSource("examples")
  void whatTheSerdeWritesIsValidAgainstTheSchema(Example<?> example) throws Exception {
    assertThat(validate(example.serde().type(), example.bytes())).isEmpty();
  }

  @Test
  void aMeasurementWithoutOptionalFieldsIsValid() {
    assertThat(
            validate(
                Measurement.class,
                "{\"schema\":1,\"event_id\":\"0d7c1e9a-2d2e-4b8e-9a51-3f1b1c2d4e5f\","
                    + "\"probe_id\":\"p\",\"target\":\"t\",\"test\":\"tcp\",\"tier\":1,"
                    + "\"ts_ms\":1,\"ok\":true}"))
        .isEmpty();
  }

  // --- invalid documents --------------------------------------------------------------------

  static Stream<Arguments> requiredFields() {
    return Examples.onePerType().stream()
        .flatMap(
            e ->
                Stream.concat(Stream.of("schema"), e.serde().requiredFields().stream())
                    .map(field -> Arguments.of(e, field)));
  }

  @ParameterizedTest(name = "{0} without {1}")
  @MethodSource("requiredFields")
  void aDocumentWithoutARequiredFieldIsRejected(Example<?> example, String field) throws Exception {
    assertRejected(example, doc -> doc.remove(field), field);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("onePerType")
  void anotherSchemaVersionIsRejected(Example<?> example) throws Exception {
    assertRejected(example, doc -> doc.put("schema", 2), "schema");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("onePerType")
  void aFieldTheSchemaDoesNotKnowIsRejected(Example<?> example) throws Exception {
    assertRejected(example, doc -> doc.put("escalation", true), "escalation");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("onePerType")
  void aStringWhereAnIntegerBelongsIsRejected(Example<?> example) throws Exception {
    String field =
        example.serde().requiredFields().stream().filter(f -> f.endsWith("_ms")).findFirst().get();
    assertRejected(example, doc -> doc.put(field, "yesterday"), field);
  }

  @Test
  void measurementTierMustBeOneToThree() throws Exception {
    assertRejected(measurement(), doc -> doc.put("tier", 0), "tier");
    assertRejected(measurement(), doc -> doc.put("tier", 4), "tier");
    assertRejected(measurement(), doc -> doc.put("tier", 1.5), "tier");
  }

  @Test
  void measurementMetricsMustBeNumbersWithSnakeCaseNames() throws Exception {
    assertRejected(measurement(), doc -> metrics(doc).put("total_ms", "fast"), "total_ms");
    assertRejected(measurement(), doc -> metrics(doc).putNull("total_ms"), "total_ms");
    assertRejected(measurement(), doc -> metrics(doc).put("Total-MS", 1.0), "Total-MS");
  }

  @Test
  void measurementRttsAreNumbersOrNullForALostPacket() throws Exception {
    Example<?> udp = new Example<>("udp", MessageSerde.MEASUREMENT, Examples.UDP_WITH_LOSS);
    assertThat(validate(Measurement.class, udp.bytes())).isEmpty(); // has a null entry
    assertRejected(udp, doc -> rtts(doc).set(0, doc.textNode("0.21")), "rtt_ms");
    assertRejected(udp, doc -> rtts(doc).set(0, doc.numberNode(-0.5)), "rtt_ms");
    assertRejected(udp, doc -> doc.put("rtt_ms", 0.21), "rtt_ms");
  }

  @Test
  void measurementErrorIsPresentExactlyWhenTheRunFailed() throws Exception {
    assertRejected(measurement(), doc -> doc.put("ok", false), "error");
    Example<?> failed = new Example<>("failed", MessageSerde.MEASUREMENT, Examples.HTTP_TLS_FAILED);
    assertRejected(failed, doc -> doc.put("ok", true), "error");
    assertRejected(failed, doc -> doc.remove("error"), "error");
    assertRejected(failed, doc -> ((ObjectNode) doc.get("error")).remove("stage"), "stage");
  }

  @Test
  void measurementProbeIdMustNotContainTheKeySeparator() throws Exception {
    assertRejected(measurement(), doc -> doc.put("probe_id", "probe|a"), "probe_id");
    assertRejected(measurement(), doc -> doc.put("probe_id", ""), "probe_id");
  }

  @Test
  void tierCommandTiersMustBeOneToThreeAndTheSignatureHex() throws Exception {
    Example<?> cmd = example(MessageSerde.TIER_COMMAND, Examples.ESCALATION);
    assertRejected(cmd, doc -> doc.put("to_tier", 4), "to_tier");
    assertRejected(cmd, doc -> doc.put("from_tier", 0), "from_tier");
    assertRejected(cmd, doc -> doc.put("signature", "not-a-signature"), "signature");
    assertRejected(cmd, doc -> doc.put("tests", "mtr"), "tests");
  }

  @Test
  void tuningCommandActionAndCostComeFromTheirLists() throws Exception {
    Example<?> cmd = example(MessageSerde.TUNING_COMMAND, Examples.TUNING_APPLY);
    assertRejected(cmd, doc -> doc.put("action", "restart"), "action");
    assertRejected(cmd, doc -> doc.put("cost", "free"), "cost");
  }

  @Test
  void tuningResultStatusComesFromItsList() throws Exception {
    Example<?> result = example(MessageSerde.TUNING_RESULT, Examples.TUNING_APPLIED);
    assertRejected(result, doc -> doc.put("status", "done"), "status");
    assertRejected(result, doc -> doc.put("status", "APPLIED"), "status");
  }

  @Test
  void deadLetterStageComesFromItsListAndPositionsAreMinusOneOrMore() throws Exception {
    Example<?> letter = example(MessageSerde.DEAD_LETTER, Examples.NOT_JSON);
    assertRejected(letter, doc -> doc.put("stage", "dedupe"), "stage");
    assertRejected(letter, doc -> doc.put("partition", -2), "partition");
    assertRejected(letter, doc -> doc.put("source_topic", ""), "source_topic");
  }

  // --- helpers ------------------------------------------------------------------------------

  private static Example<?> measurement() {
    return example(MessageSerde.MEASUREMENT, Examples.HTTP_OK);
  }

  private static <T> Example<T> example(MessageSerde<T> serde, T message) {
    return new Example<>(serde.type().getSimpleName(), serde, message);
  }

  private static ObjectNode metrics(ObjectNode doc) {
    return (ObjectNode) doc.get("metrics");
  }

  private static ArrayNode rtts(ObjectNode doc) {
    return (ArrayNode) doc.get("rtt_ms");
  }

  private static void assertRejected(Example<?> example, Consumer<ObjectNode> breakIt, String field)
      throws Exception {
    ObjectNode doc = (ObjectNode) MessageSerde.MAPPER.readTree(example.bytes());
    assertThat(validate(example.serde().type(), doc)).as("the example itself").isEmpty();
    breakIt.accept(doc);
    assertThat(validate(example.serde().type(), doc))
        .as("%s after breaking %s: %s", example, field, doc)
        .isNotEmpty()
        .extracting(ValidationMessage::getMessage)
        .anySatisfy(m -> assertThat(m).contains(field));
  }

  private static Set<ValidationMessage> validate(Class<?> type, byte[] json) throws Exception {
    return validate(type, MessageSerde.MAPPER.readTree(json));
  }

  private static Set<ValidationMessage> validate(Class<?> type, String json) {
    try {
      return validate(type, MessageSerde.MAPPER.readTree(json));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static Set<ValidationMessage> validate(Class<?> type, JsonNode doc) {
    try (InputStream in = Schemas.open(type)) {
      return FACTORY.getSchema(in).validate(doc);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  private static List<String> enumOf(Class<?> type, String field) {
    List<String> values = new ArrayList<>();
    Schemas.json(type).at("/properties/" + field + "/enum").forEach(n -> values.add(n.asText()));
    return values;
  }

  private static List<String> names(JsonNode object) {
    List<String> names = new ArrayList<>();
    for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
      names.add(it.next());
    }
    return names;
  }
}
