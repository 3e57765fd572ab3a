package net.qoe.kafka.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import net.qoe.kafka.Examples;
import net.qoe.kafka.Examples.Example;
import net.qoe.kafka.message.Measurement;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class MessageSerdeTest {

  private static final MessageSerde<Measurement> SERDE = MessageSerde.MEASUREMENT;
  private static final Measurement M = Examples.HTTP_OK;

  static List<Example<?>> examples() {
    return Examples.all();
  }

  static List<Example<?>> onePerType() {
    return Examples.onePerType();
  }

  // --- writing and reading back ---------------------------------------------------------------

  @ParameterizedTest(name = "{0}")
  @MethodSource("examples")
  <T> void everyMessageComesBackEqualFromItsBytes(Example<T> example) throws Exception {
    T read = example.serde().fromBytes(example.serde().toBytes(example.message()));
    assertThat(read).isEqualTo(example.message());
    assertThat(example.serde().toJson(read)).isEqualTo(example.serde().toJson(example.message()));
  }

  @Test
  void writesSnakeCaseNamesAndOmitsNulls() {
    String json = SERDE.toJson(M);
    assertThat(json)
        .startsWith("{\"schema\":1,")
        .contains("\"event_id\":\"" + M.eventId() + "\"", "\"ts_ms\":1767225600000")
        .contains("\"total_ms\":25.8");
    assertThat(json).doesNotContain("error", "rtt_ms", "sent", "null", "eventId");
  }

  @Test
  void aLostPacketIsWrittenAsNullAndReadBackAsNull() throws Exception {
    String json = SERDE.toJson(Examples.UDP_WITH_LOSS);
    assertThat(json).contains("\"rtt_ms\":[0.21,null,0.25]");
    assertThat(SERDE.fromBytes(bytes(json)).rttMs()).containsExactly(0.21, null, 0.25);
  }

  @Test
  void toleratesFieldsItDoesNotKnow() throws Exception {
    String json =
        SERDE.toJson(M).replaceFirst("\\{", "{\"added_later\":{\"nested\":[1,2]},\"x\":null,");
    assertThat(SERDE.fromBytes(bytes(json))).isEqualTo(M);
  }

  @Test
  void readsFieldsInAnyOrder() throws Exception {
    String json =
        "{\"ok\":true,\"ts_ms\":5,\"tier\":1,\"test\":\"tcp\",\"target\":\"t\",\"probe_id\":\"p\","
            + "\"event_id\":\"e\",\"schema\":1}";
    Measurement m = SERDE.fromBytes(bytes(json));
    assertThat(m.tsMs()).isEqualTo(5);
    assertThat(m.metrics()).isEmpty();
    assertThat(m.rttMs()).isNull();
  }

  // --- what is wrong with a bad record --------------------------------------------------------

  @Test
  void emptyBytesAreRejectedAsEmpty() {
    assertReason(() -> SERDE.fromBytes(new byte[0]), "empty");
    assertReason(() -> SERDE.fromBytes(null), "empty");
  }

  @Test
  void truncatedJsonIsRejectedAsMalformedJson() {
    String json = SERDE.toJson(M);
    assertReason(
        () -> SERDE.fromBytes(bytes(json.substring(0, json.length() / 2))), "malformed-json");
    assertReason(() -> SERDE.fromBytes(bytes("not json")), "malformed-json");
    assertReason(
        () -> SERDE.fromBytes(new byte[] {(byte) 0xff, (byte) 0xfe, 0x00}), "malformed-json");
  }

  @Test
  void jsonThatIsNotAnObjectIsRejectedAsMalformedJson() {
    for (String json : List.of("[1,2]", "\"measurement\"", "42", "null", "true")) {
      assertReason(() -> SERDE.fromBytes(bytes(json)), "malformed-json");
    }
  }

  @Test
  void aNaNLiteralIsRejectedAsMalformedJson() {
    String json = SERDE.toJson(M).replace("\"total_ms\":25.8", "\"total_ms\":NaN");
    assertThat(json).contains("NaN");
    assertReason(() -> SERDE.fromBytes(bytes(json)), "malformed-json");
    String infinity = SERDE.toJson(M).replace("\"total_ms\":25.8", "\"total_ms\":-Infinity");
    assertReason(() -> SERDE.fromBytes(bytes(infinity)), "malformed-json");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("onePerType")
  void anUnknownSchemaVersionIsRejectedAsUnknownSchema(Example<?> example) {
    assertThatThrownBy(() -> example.serde().fromBytes(edit(example, d -> d.put("schema", 2))))
        .isInstanceOfSatisfying(
            MalformedMessageException.class,
            e -> {
              assertThat(e.reason()).isEqualTo("unknown-schema");
              assertThat(e.getMessage()).startsWith("unknown-schema: schema 2 ");
            });
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("onePerType")
  void aMissingOrNullSchemaVersionIsRejectedAsMissingField(Example<?> example) {
    assertReason(
        () -> example.serde().fromBytes(edit(example, d -> d.remove("schema"))), "missing-field");
    assertReason(
        () -> example.serde().fromBytes(edit(example, d -> d.putNull("schema"))), "missing-field");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("onePerType")
  void aNonNumericSchemaVersionIsPresentSoItIsAnUnknownSchemaQuotingIt(Example<?> example) {
    // It used to be reported as absent (missing-field); it is there, just not a version we know.
    assertThatThrownBy(() -> example.serde().fromBytes(edit(example, d -> d.put("schema", "one"))))
        .isInstanceOfSatisfying(
            MalformedMessageException.class,
            e -> {
              assertThat(e.reason()).isEqualTo("unknown-schema");
              assertThat(e.getMessage()).startsWith("unknown-schema: schema \"one\" ");
            });
  }

  static Stream<Arguments> requiredFields() {
    return Examples.onePerType().stream()
        .flatMap(e -> e.serde().requiredFields().stream().map(f -> Arguments.of(e, f)));
  }

  @ParameterizedTest(name = "{0} without {1}")
  @MethodSource("requiredFields")
  void aMissingRequiredFieldIsRejectedAsMissingFieldNamingIt(Example<?> example, String field) {
    assertThatThrownBy(() -> example.serde().fromBytes(edit(example, d -> d.remove(field))))
        .isInstanceOfSatisfying(
            MalformedMessageException.class,
            e -> {
              assertThat(e.reason()).isEqualTo("missing-field");
              assertThat(e.getMessage()).isEqualTo("missing-field: " + field + " is required");
            });
  }

  @ParameterizedTest(name = "{0} with {1} null")
  @MethodSource("requiredFields")
  void aNullRequiredFieldIsRejectedAsMissingField(Example<?> example, String field) {
    assertReason(
        () -> example.serde().fromBytes(edit(example, d -> d.putNull(field))), "missing-field");
  }

  @Test
  void aValueOfTheWrongTypeIsRejectedAsWrongType() {
    assertReason(() -> SERDE.fromBytes(edit(M, d -> d.put("ts_ms", "yesterday"))), "wrong-type");
    assertReason(() -> SERDE.fromBytes(edit(M, d -> d.putObject("tier"))), "wrong-type");
    assertReason(() -> SERDE.fromBytes(edit(M, d -> d.put("ok", "perhaps"))), "wrong-type");
    assertReason(() -> SERDE.fromBytes(edit(M, d -> d.put("metrics", "none"))), "wrong-type");
    assertReason(
        () -> SERDE.fromBytes(edit(M, d -> d.putArray("rtt_ms").add("lost"))), "wrong-type");
  }

  @Test
  void aNonNumericMetricIsRejectedAsWrongType() {
    assertReason(
        () ->
            SERDE.fromBytes(edit(M, d -> ((ObjectNode) d.get("metrics")).put("total_ms", "fast"))),
        "wrong-type");
  }

  @Test
  void aNonFiniteNumberIsWrittenAsAStringAndReadBackSoTheJobsValidatorCanRejectIt()
      throws Exception {
    // Jackson writes NaN and infinities as strings (JSON has no such numbers), which the schema
    // does not allow; the serde reads them back as they were, and value checks (the job's
    // validate stage) reject them with a precise reason instead of a generic parse error.
    Measurement m = M.withTier(1);
    Measurement nan =
        new Measurement(
            1,
            m.eventId(),
            m.probeId(),
            m.target(),
            "udp",
            1,
            m.tsMs(),
            true,
            null,
            java.util.Arrays.asList(Double.NaN, null),
            2,
            1,
            java.util.Map.of("jitter_ms", Double.POSITIVE_INFINITY));
    String json = SERDE.toJson(nan);
    assertThat(json).contains("\"rtt_ms\":[\"NaN\",null]", "\"jitter_ms\":\"Infinity\"");
    assertThat(SERDE.fromBytes(bytes(json))).isEqualTo(nan);
  }

  @Test
  void theReasonLeadsTheMessageSoLogsAndDeadLettersGroupByIt() {
    assertThatThrownBy(() -> SERDE.fromBytes(bytes("{")))
        .isInstanceOf(MalformedMessageException.class)
        .hasMessageStartingWith("malformed-json: ")
        .hasMessageNotContaining("\n");
  }

  // --- helpers ---------------------------------------------------------------------------------

  private static byte[] edit(Example<?> example, Consumer<ObjectNode> change) throws Exception {
    ObjectNode doc = (ObjectNode) MessageSerde.MAPPER.readTree(example.bytes());
    change.accept(doc);
    return MessageSerde.MAPPER.writeValueAsBytes(doc);
  }

  private static byte[] edit(Measurement m, Consumer<ObjectNode> change) throws Exception {
    return edit(new Example<>("m", SERDE, m), change);
  }

  private static void assertReason(ThrowingCallable read, String reason) {
    assertThatThrownBy(read)
        .isInstanceOfSatisfying(
            MalformedMessageException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(reason);
              assertThat(e.getMessage()).startsWith(reason + ": ");
            });
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
