package net.qoe.kafka.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import net.qoe.kafka.Examples;
import net.qoe.kafka.Examples.Example;
import net.qoe.kafka.Schemas;
import net.qoe.kafka.message.DeadLetter;
import net.qoe.kafka.message.Measurement;
import net.qoe.kafka.message.TierCommand;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The serde reads messages as strictly as their JSON Schemas describe them (from a review of the
 * ingest path: inputs the contract, measurement.schema.json and "bad input gets a clear error and a
 * dead letter", says must be rejected, but that {@link MessageSerde#fromBytes} accepted): nothing
 * after the object, {@code schema} exactly the version, and every value with its schema's JSON type
 * instead of Jackson's coercions. Each case is checked on both decoders (the streaming fast path
 * behind {@code fromBytes} and the tree path), and the type cases against the JSON Schema itself.
 */
class StrictDecodeTest {

  private static final MessageSerde<Measurement> SERDE = MessageSerde.MEASUREMENT;

  private static final String OK =
      "\"schema\":1,\"event_id\":\"0b6c4ab4-5f38-4d0e-9d4c-1d7a3c1a2b3c\",\"probe_id\":\"p\","
          + "\"target\":\"t\",\"test\":\"udp\",\"tier\":1,\"ts_ms\":1767225600000,\"ok\":true";

  private static final JsonSchemaFactory SCHEMAS =
      JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String with(String from, String to) {
    assertThat(OK).contains(from);
    return "{" + OK.replace(from, to) + "}";
  }

  private static String failed(String error) {
    String json = with("\"ok\":true", "\"ok\":false");
    return json.substring(0, json.length() - 1) + ",\"error\":" + error + "}";
  }

  // --- content after the object ----------------------------------------------------------------

  /**
   * Two measurements concatenated in one record value (a buggy batching producer): the tree path
   * read the first object and ignored the rest, so the second measurement vanished with no dead
   * letter and no counter. Same for plain garbage after the object.
   */
  @Test
  void contentAfterTheObjectIsMalformedNotSilentlyIgnored() {
    String second = OK.replace("0b6c4ab4", "1b6c4ab4");
    for (String json :
        List.of(
            "{" + OK + "}{" + second + "}",
            "{" + OK + "} x",
            "{" + OK + "} {" + second + "}",
            "{" + OK + "}{}",
            "{" + OK + "},",
            "{" + OK + "}]",
            "{" + OK + "} 1",
            "{" + OK + "}\nnull")) {
      assertRejected(json, "malformed-json", "");
    }
  }

  @Test
  void whitespaceAroundTheObjectIsFine() throws Exception {
    Measurement m = SERDE.fromBytes(bytes("{" + OK + "}"));
    for (String json : List.of("{" + OK + "} ", "  {" + OK + "}\n", "\t{" + OK + "}\r\n \t")) {
      assertThat(SERDE.fromBytes(bytes(json))).as(json).isEqualTo(m);
      assertThat(SERDE.decodeViaTree(bytes(json))).as(json).isEqualTo(m);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("net.qoe.kafka.Examples#onePerType")
  void everyMessageTypeRejectsContentAfterTheObject(Example<?> example) {
    String json = new String(example.bytes(), StandardCharsets.UTF_8);
    for (String tail : List.of(json, " x", "{}")) {
      assertThatThrownBy(() -> example.serde().fromBytes(bytes(json + tail)))
          .as("%s followed by %s", example.name(), tail)
          .isInstanceOfSatisfying(
              MalformedMessageException.class,
              e -> assertThat(e.reason()).isEqualTo("malformed-json"));
    }
  }

  // --- the schema version ------------------------------------------------------------------------

  /** "schema" is const 1 and "readers refuse any other value"; 1.5 was read as version 1. */
  @Test
  void aFractionalSchemaVersionIsUnknown() {
    assertRejected(with("\"schema\":1", "\"schema\":1.5"), "unknown-schema", "schema 1.5 ");
  }

  /**
   * A schema that is present but a string, a boolean or a number beyond int was reported as
   * "absent" (missing-field); it is another version, quoted as it was written.
   */
  @Test
  void aPresentSchemaOfAnotherTypeIsNotReportedAsAbsent() {
    String[][] cases = {
      {"\"1\"", "schema \"1\" "},
      {"\"one\"", "schema \"one\" "},
      {"\"\"", "schema \"\" "},
      {"4294967297", "schema 4294967297 "},
      {"-4294967295", "schema -4294967295 "},
      {"true", "schema true "},
      {"false", "schema false "},
      {"[1]", "schema [1] "},
      {"{\"v\":1}", "schema {\"v\":1} "},
      {"0", "schema 0 "},
      {"1.0000001", "schema 1.0000001 "},
    };
    for (String[] c : cases) {
      assertRejected(with("\"schema\":1", "\"schema\":" + c[0]), "unknown-schema", c[1]);
    }
  }

  @Test
  void anAbsentOrNullSchemaIsStillAMissingField() {
    assertRejected("{" + OK.replace("\"schema\":1,", "") + "}", "missing-field", "schema ");
    assertRejected(with("\"schema\":1", "\"schema\":null"), "missing-field", "schema ");
  }

  /** JSON Schema compares numbers by value: {@code const 1} holds for {@code 1.0}. */
  @Test
  void schemaOnePointZeroIsVersionOne() throws Exception {
    String json = with("\"schema\":1", "\"schema\":1.0");
    assertThat(schemaErrors(Measurement.class, json)).isEmpty();
    assertThat(SERDE.fromBytes(bytes(json))).isEqualTo(SERDE.fromBytes(bytes("{" + OK + "}")));
  }

  // --- values of the wrong type ---------------------------------------------------------------

  /**
   * Values of the wrong type were coerced instead of rejected: an empty string in rtt_ms became a
   * lost packet (raising loss), a fractional tier was truncated, "ok":"false" was read as false, a
   * number as a probe id, an empty string as an absent packet count. Each is now a wrong-type
   * naming the field and quoting the value, and the JSON Schema rejects each too.
   */
  @Test
  void valuesOfTheWrongTypeAreRejectedNotCoerced() {
    String[][] cases = {
      // document, the detail expected
      {"{" + OK + ",\"rtt_ms\":[\"\"],\"sent\":1}", "rtt_ms[0] must be a number, got \"\""},
      {"{" + OK + ",\"rtt_ms\":[1.5,\"2.5\"]}", "rtt_ms[1] must be a number, got \"2.5\""},
      {"{" + OK + ",\"rtt_ms\":[true]}", "rtt_ms[0] must be a number, got true"},
      {with("\"tier\":1", "\"tier\":2.9"), "tier must be an integer (int), got 2.9"},
      {with("\"tier\":1", "\"tier\":1.5"), "tier must be an integer (int), got 1.5"},
      {with("\"tier\":1", "\"tier\":\"2\""), "tier must be an integer (int), got \"2\""},
      {with("\"tier\":1", "\"tier\":true"), "tier must be an integer (int), got true"},
      {with("\"ok\":true", "\"ok\":\"false\""), "ok must be true or false, got \"false\""},
      {with("\"ok\":true", "\"ok\":\"true\""), "ok must be true or false, got \"true\""},
      {with("\"ok\":true", "\"ok\":1"), "ok must be true or false, got 1"},
      {with("\"ok\":true", "\"ok\":0"), "ok must be true or false, got 0"},
      {with("\"probe_id\":\"p\"", "\"probe_id\":5"), "probe_id must be a string, got 5"},
      {with("\"probe_id\":\"p\"", "\"probe_id\":5.5"), "probe_id must be a string, got 5.5"},
      {with("\"probe_id\":\"p\"", "\"probe_id\":true"), "probe_id must be a string, got true"},
      {with("\"test\":\"udp\"", "\"test\":7"), "test must be a string, got 7"},
      {
        with("1767225600000", "1767225600000.5"),
        "ts_ms must be an integer (long), got 1.7672256000005E12"
      },
      {with("1767225600000", "\"1767225600000\""), "ts_ms must be an integer (long)"},
      {"{" + OK + ",\"sent\":\"\"}", "sent must be an integer (int), got \"\""},
      {"{" + OK + ",\"sent\":\"10\"}", "sent must be an integer (int), got \"10\""},
      {"{" + OK + ",\"sent\":10.5}", "sent must be an integer (int), got 10.5"},
      {"{" + OK + ",\"received\":false}", "received must be an integer (int), got false"},
      {"{" + OK + ",\"metrics\":{\"dns_ms\":\"\"}}", "metrics.dns_ms must be a number, got \"\""},
      {"{" + OK + ",\"metrics\":{\"dns_ms\":\"1\"}}", "metrics.dns_ms must be a number, got \"1\""},
      {"{" + OK + ",\"metrics\":{\"dns_ms\":true}}", "metrics.dns_ms must be a number, got true"},
      {failed("{\"stage\":5}"), "error.stage must be a string, got 5"},
      {
        failed("{\"stage\":\"dns\",\"message\":false}"), "error.message must be a string, got false"
      },
      {failed("\"dns\""), "error must be an object, got \"dns\""},
    };
    for (String[] c : cases) {
      assertRejected(c[0], "wrong-type", c[1]);
      assertThat(schemaErrors(Measurement.class, c[0]))
          .as("the JSON Schema on %s", c[0])
          .isNotEmpty();
    }
  }

  /** A number out of the range of the field's type is a wrong-type naming the field too. */
  @Test
  void aNumberOutOfRangeIsAWrongTypeNamingTheField() {
    assertRejected("{" + OK + ",\"sent\":3000000000}", "wrong-type", "sent must be an integer");
    assertRejected("{" + OK + ",\"sent\":3e9}", "wrong-type", "sent must be an integer");
    assertRejected(with("\"tier\":1", "\"tier\":2147483648"), "wrong-type", "tier must be an");
    assertRejected(
        with("1767225600000", "9223372036854775808"), "wrong-type", "ts_ms must be an integer");
    assertRejected(with("1767225600000", "1e19"), "wrong-type", "ts_ms must be an integer");
  }

  /**
   * JSON Schema's {@code "type": "integer"} is any number without a fractional part, so {@code 2.0}
   * is the integer 2: taken, as the schema takes it (and as a writer that only has doubles may
   * write it), not truncated from anything.
   */
  @Test
  void aNumberWithoutAFractionalPartIsAnInteger() throws Exception {
    Measurement plain = SERDE.fromBytes(bytes("{" + OK + ",\"sent\":3,\"received\":2}"));
    for (String json :
        List.of(
            with("\"tier\":1", "\"tier\":1.0"),
            with("1767225600000", "1767225600000.0"),
            with("1767225600000", "1.7672256E12"),
            with("1767225600000", "17672256000000e-1"))) {
      String withCounts = json.substring(0, json.length() - 1) + ",\"sent\":3.0,\"received\":2e0}";
      assertThat(schemaErrors(Measurement.class, withCounts)).as(withCounts).isEmpty();
      assertThat(SERDE.fromBytes(bytes(withCounts))).as(withCounts).isEqualTo(plain);
      assertThat(SERDE.decodeViaTree(bytes(withCounts))).as(withCounts).isEqualTo(plain);
    }
  }

  /**
   * What did not change: the non-finite numbers Jackson writes as strings still read back (the
   * job's validator names them), an integer where a double is expected is that double, and null
   * stays "absent" for the optional fields.
   */
  @Test
  void nonFiniteStringsIntegersAsDoublesAndNullsStillRead() throws Exception {
    Measurement m =
        SERDE.fromBytes(
            bytes(
                "{"
                    + OK
                    + ",\"rtt_ms\":[\"NaN\",null,\"Infinity\",\"-Infinity\",3],\"sent\":null,"
                    + "\"received\":null,\"metrics\":{\"jitter_ms\":\"NaN\",\"hops\":7},"
                    + "\"error\":null}"));
    assertThat(m.rttMs())
        .containsExactly(Double.NaN, null, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 3.0);
    assertThat(m.sent()).isNull();
    assertThat(m.received()).isNull();
    assertThat(m.error()).isNull();
    assertThat(m.metric("jitter_ms")).isNaN();
    assertThat(m.metric("hops")).isEqualTo(7.0);
  }

  /** The other message types read through the same strict reader. */
  @Test
  void otherMessageTypesAreNotCoercedEither() throws Exception {
    String command = MessageSerde.TIER_COMMAND.toJson(Examples.ESCALATION);
    assertThat(command).contains("\"to_tier\":2", "\"tests\":[");
    MessageSerde<TierCommand> commands = MessageSerde.TIER_COMMAND;
    assertRejected(
        commands,
        command.replace("\"to_tier\":2", "\"to_tier\":\"2\""),
        "wrong-type",
        "to_tier must be an integer (int), got \"2\"");
    assertRejected(
        commands,
        command.replace("\"to_tier\":2", "\"to_tier\":2.5"),
        "wrong-type",
        "to_tier must be an integer (int), got 2.5");
    assertRejected(
        commands,
        command.replace("\"tests\":[", "\"tests\":[7,"),
        "wrong-type",
        "tests[0] must be a string, got 7");
    assertThat(commands.fromBytes(bytes(command.replace("\"to_tier\":2", "\"to_tier\":2.0"))))
        .isEqualTo(commands.fromBytes(bytes(command)));

    String dead = MessageSerde.DEAD_LETTER.toJson(Examples.NOT_JSON);
    assertThat(dead).contains("\"partition\":");
    MessageSerde<DeadLetter> deadLetters = MessageSerde.DEAD_LETTER;
    String partition = dead.replaceFirst("\"partition\":(\\d+)", "\"partition\":\"$1\"");
    assertRejected(deadLetters, partition, "wrong-type", "partition must be an integer (int)");
    assertRejected(
        deadLetters,
        dead.replaceFirst("\"reason\":\"[^\"]*\"", "\"reason\":404"),
        "wrong-type",
        "reason must be a string, got 404");
    assertThat(schemaErrors(DeadLetter.class, partition)).isNotEmpty();
  }

  // --- helpers ---------------------------------------------------------------------------------

  /**
   * Both decoders reject {@code json} for {@code reason}, with a detail containing {@code text}.
   */
  private static void assertRejected(String json, String reason, String text) {
    assertRejected(SERDE, json, reason, text);
    assertThatThrownBy(() -> SERDE.decodeViaTree(bytes(json)))
        .as("tree path on %s", json)
        .isInstanceOfSatisfying(
            MalformedMessageException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(reason);
              assertThat(e.getMessage()).startsWith(reason + ": ").contains(text);
            });
    assertThat(MeasurementCodec.tryDecode(MessageSerde.MAPPER.getFactory(), bytes(json)))
        .as("fast path alone on %s", json)
        .isNull();
  }

  private static void assertRejected(
      MessageSerde<?> serde, String json, String reason, String text) {
    ThrowingCallable read = () -> serde.fromBytes(bytes(json));
    assertThatThrownBy(read)
        .as("%s", json)
        .isInstanceOfSatisfying(
            MalformedMessageException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(reason);
              assertThat(e.getMessage()).startsWith(reason + ": ").contains(text);
            });
  }

  private static Set<ValidationMessage> schemaErrors(Class<?> type, String json) {
    try (InputStream in = Schemas.open(type)) {
      JsonNode doc = MessageSerde.MAPPER.readTree(json);
      return SCHEMAS.getSchema(in).validate(doc);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
