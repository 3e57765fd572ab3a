package net.qoe.kafka.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import net.qoe.kafka.Examples;
import net.qoe.kafka.message.Signed;
import net.qoe.kafka.message.TierCommand;
import net.qoe.kafka.message.TuningCommand;
import net.qoe.kafka.message.TuningResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class MessageSignerTest {

  private static final String SECRET = "the-probe-fleet-shared-secret";
  private final MessageSigner signer = MessageSigner.fromSecret(SECRET);

  private static TierCommand command() {
    return new TierCommand(
        1, "cmd-1", "probe-a", "web-1", 1, 2, List.of("mtr"), "loss 7 % > 5 %", 100L, 200L, null);
  }

  static List<Signed<?>> signedMessages() {
    return List.of(Examples.ESCALATION, Examples.TUNING_APPLY, Examples.TUNING_APPLIED, command());
  }

  @ParameterizedTest
  @MethodSource("signedMessages")
  <T extends Signed<T>> void aSignedMessageVerifies(T message) {
    T signed = signer.sign(message.withSignature(null));
    assertThat(signed.signature()).matches("[0-9a-f]{64}");
    assertThat(signer.verify(signed)).isTrue();
  }

  @Test
  void theSignatureIsHmacSha256OfTheSortedCompactBodyWithoutTheSignature() {
    // Pinned so that a signer in another language (or a future refactoring) can be checked
    // against it; computed independently with Python's hmac module.
    String body =
        "{\"command_id\":\"cmd-1\",\"expires_ms\":200,\"from_tier\":1,\"issued_ms\":100,"
            + "\"probe_id\":\"probe-a\",\"reason\":\"loss 7 % > 5 %\",\"schema\":1,"
            + "\"target\":\"web-1\",\"tests\":[\"mtr\"],\"to_tier\":2}";
    TierCommand signed = signer.sign(command());
    assertThat(new String(MessageSigner.canonicalBody(signed), StandardCharsets.UTF_8))
        .isEqualTo(body);
    assertThat(signed.signature())
        .isEqualTo("104fb4dfb0798a84cd5ea9c5335cfecdf6543deacfe39a6821b64730b66cc907");
  }

  @Test
  void theCanonicalBodyDoesNotDependOnFieldOrder() throws Exception {
    TierCommand signed = signer.sign(command());
    ObjectNode written =
        (ObjectNode) MessageSerde.MAPPER.readTree(MessageSerde.TIER_COMMAND.toBytes(signed));
    List<String> names = new ArrayList<>();
    written.fieldNames().forEachRemaining(names::add);
    Collections.reverse(names);
    ObjectNode reversed = MessageSerde.MAPPER.createObjectNode();
    names.forEach(n -> reversed.set(n, written.get(n)));
    assertThat(MessageSerde.MAPPER.writeValueAsString(reversed))
        .isNotEqualTo(MessageSerde.MAPPER.writeValueAsString(written));

    assertThat(MessageSigner.canonicalBody(reversed))
        .isEqualTo(MessageSigner.canonicalBody(written))
        .isEqualTo(MessageSigner.canonicalBody(signed));
    TierCommand reread =
        MessageSerde.TIER_COMMAND.fromBytes(MessageSerde.MAPPER.writeValueAsBytes(reversed));
    assertThat(signer.verify(reread)).isTrue();
  }

  @Test
  void theSignatureSurvivesTheTripThroughKafkaBytes() throws Exception {
    TuningResult signed = signer.sign(Examples.TUNING_REJECTED.withSignature(null));
    TuningResult read =
        MessageSerde.TUNING_RESULT.fromBytes(MessageSerde.TUNING_RESULT.toBytes(signed));
    assertThat(signer.verify(read)).isTrue();
  }

  @Test
  void aTamperedFieldFailsVerification() {
    TierCommand s = signer.sign(command());
    List<TierCommand> tampered =
        List.of(
            new TierCommand(
                1,
                "cmd-1",
                "probe-a",
                "web-1",
                1,
                3,
                s.tests(),
                s.reason(),
                100L,
                200L,
                s.signature()),
            new TierCommand(
                1,
                "cmd-1",
                "probe-a",
                "db-1",
                1,
                2,
                s.tests(),
                s.reason(),
                100L,
                200L,
                s.signature()),
            new TierCommand(
                1,
                "cmd-1",
                "probe-a",
                "web-1",
                1,
                2,
                s.tests(),
                s.reason(),
                100L,
                999_999L,
                s.signature()),
            new TierCommand(
                1,
                "cmd-1",
                "probe-a",
                "web-1",
                1,
                2,
                List.of("mtr", "tls"),
                s.reason(),
                100L,
                200L,
                s.signature()),
            new TierCommand(
                1,
                "cmd-2",
                "probe-a",
                "web-1",
                1,
                2,
                s.tests(),
                s.reason(),
                100L,
                200L,
                s.signature()));
    for (TierCommand t : tampered) {
      assertThat(signer.verify(t)).as("%s", t).isFalse();
    }
  }

  @Test
  void aTamperedTuningCommandFailsVerification() {
    TuningCommand s = signer.sign(Examples.TUNING_APPLY.withSignature(null));
    TuningCommand tampered =
        new TuningCommand(
            s.schema(),
            s.changeId(),
            s.system(),
            s.lever(),
            s.fromValue(),
            "64GB",
            s.action(),
            s.cost(),
            s.reason(),
            s.issuedMs(),
            s.expiresMs(),
            s.signature());
    assertThat(signer.verify(tampered)).isFalse();
  }

  @Test
  void aDifferentSecretFailsVerification() {
    TierCommand signed = signer.sign(command());
    assertThat(MessageSigner.fromSecret("some-other-secret-entirely").verify(signed)).isFalse();
    assertThat(MessageSigner.fromSecret(SECRET + "!").verify(signed)).isFalse();
  }

  @Test
  void aMissingSignatureFailsVerification() {
    assertThat(signer.verify(command())).isFalse();
    assertThat(signer.verify(command().withSignature(""))).isFalse();
  }

  @Test
  void aMalformedSignatureFailsVerification() {
    TierCommand signed = signer.sign(command());
    assertThat(signer.verify(signed.withSignature(signed.signature().toUpperCase()))).isFalse();
    assertThat(signer.verify(signed.withSignature(signed.signature().substring(2)))).isFalse();
    assertThat(signer.verify(signed.withSignature("ü" + signed.signature().substring(1))))
        .isFalse();
  }

  @Test
  void refusesAShortOrMissingSecret() {
    assertThatThrownBy(() -> MessageSigner.fromSecret("short"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 16 bytes");
    assertThatThrownBy(() -> MessageSigner.fromSecret(null))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
