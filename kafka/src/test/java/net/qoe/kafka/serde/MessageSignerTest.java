package net.qoe.kafka.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import net.qoe.kafka.message.TierCommand;
import org.junit.jupiter.api.Test;

class MessageSignerTest {

  private final MessageSigner signer = MessageSigner.fromSecret("the-probe-fleet-shared-secret");

  private static TierCommand command(String reason) {
    return new TierCommand(
        1, "cmd-1", "probe-a", "web-1", 1, 2, List.of("mtr"), reason, 100L, 200L, null);
  }

  @Test
  void aSignedCommandVerifies() {
    TierCommand signed = signer.sign(command("loss 7 % > 5 %"));
    assertThat(signed.signature()).hasSize(64);
    assertThat(signer.verify(signed)).isTrue();
  }

  @Test
  void aTamperedFieldFailsVerification() {
    TierCommand signed = signer.sign(command("loss 7 % > 5 %"));
    TierCommand tampered =
        new TierCommand(
            1,
            "cmd-1",
            "probe-a",
            "web-1",
            1,
            3,
            signed.tests(),
            signed.reason(),
            100L,
            200L,
            signed.signature());
    assertThat(signer.verify(tampered)).isFalse();
  }

  @Test
  void anotherSecretOrNoSignatureFailsVerification() {
    TierCommand signed = signer.sign(command("x"));
    assertThat(MessageSigner.fromSecret("some-other-secret-entirely").verify(signed)).isFalse();
    assertThat(signer.verify(command("x"))).isFalse();
  }

  @Test
  void theSignedBodyDoesNotDependOnFieldOrderOrTheSignature() throws Exception {
    TierCommand signed = signer.sign(command("x"));
    String json = MessageSerde.TIER_COMMAND.toJson(signed);
    // the same message, its fields written in another order
    var tree = (com.fasterxml.jackson.databind.node.ObjectNode) MessageSerde.MAPPER.readTree(json);
    var reversed = MessageSerde.MAPPER.createObjectNode();
    List<String> names = new java.util.ArrayList<>();
    tree.fieldNames().forEachRemaining(names::add);
    java.util.Collections.reverse(names);
    names.forEach(n -> reversed.set(n, tree.get(n)));
    TierCommand reread =
        MessageSerde.TIER_COMMAND.fromBytes(MessageSerde.MAPPER.writeValueAsBytes(reversed));
    assertThat(signer.verify(reread)).isTrue();
    assertThat(new String(MessageSigner.canonicalBody(signed))).doesNotContain("signature");
  }

  @Test
  void refusesAShortSecret() {
    assertThatThrownBy(() -> MessageSigner.fromSecret("short"))
        .hasMessageContaining("at least 16 bytes");
  }
}
