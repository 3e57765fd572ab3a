package net.qoe.kafka.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import net.qoe.kafka.message.Measurement;
import org.junit.jupiter.api.Test;

class MessageSerdeTest {

  private static final Measurement M =
      new Measurement(
          1,
          "e-1",
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
          Map.of("total_ms", 25.0));

  @Test
  void writesSnakeCaseAndOmitsNulls() {
    String json = MessageSerde.MEASUREMENT.toJson(M);
    assertThat(json)
        .contains("\"event_id\":\"e-1\"", "\"ts_ms\":1767225600000", "\"total_ms\":25.0");
    assertThat(json).doesNotContain("error", "rtt_ms", "null");
  }

  @Test
  void toleratesFieldsItDoesNotKnow() throws Exception {
    String json = MessageSerde.MEASUREMENT.toJson(M).replaceFirst("\\{", "{\"added_later\":true,");
    assertThat(MessageSerde.MEASUREMENT.fromBytes(bytes(json))).isEqualTo(M);
  }

  @Test
  void saysWhatIsWrongWithABadRecord() {
    String good = MessageSerde.MEASUREMENT.toJson(M);
    assertReason(new byte[0], "empty");
    assertReason(bytes("{\"schema\":1,"), "malformed-json");
    assertReason(bytes("[1,2]"), "malformed-json");
    assertReason(bytes(good.replace("\"schema\":1", "\"schema\":2")), "unknown-schema");
    assertReason(bytes(good.replace("\"schema\":1,", "")), "missing-field");
    assertReason(bytes(good.replace("\"probe_id\":\"probe-a\",", "")), "missing-field");
    assertReason(
        bytes(good.replace("\"ts_ms\":1767225600000", "\"ts_ms\":\"yesterday\"")), "wrong-type");
    assertReason(bytes(good.replace("25.0", "NaN")), "malformed-json");
  }

  @Test
  void missingFieldNamesTheField() {
    String json = MessageSerde.MEASUREMENT.toJson(M).replace("\"target\":\"web-1\",", "");
    assertThatThrownBy(() -> MessageSerde.MEASUREMENT.fromBytes(bytes(json)))
        .hasMessageContaining("target is required");
  }

  private static void assertReason(byte[] bytes, String reason) {
    assertThatThrownBy(() -> MessageSerde.MEASUREMENT.fromBytes(bytes))
        .isInstanceOfSatisfying(
            MalformedMessageException.class, e -> assertThat(e.reason()).isEqualTo(reason));
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
