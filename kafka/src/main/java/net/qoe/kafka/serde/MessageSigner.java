package net.qoe.kafka.serde;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import net.qoe.kafka.message.Signed;

/**
 * Signs commands with HMAC-SHA256 over their canonical body: the JSON of the message without its
 * {@code signature} field, object keys sorted, no whitespace. Producer and consumer share a secret;
 * a probe refuses anything whose signature does not verify.
 */
public final class MessageSigner implements Serializable {

  private static final long serialVersionUID = 1L;
  private static final String ALGORITHM = "HmacSHA256";

  private final byte[] secret;

  public MessageSigner(byte[] secret) {
    if (secret == null || secret.length < 16) {
      throw new IllegalArgumentException(
          "the command signing secret must be at least 16 bytes (set QOE_COMMAND_SECRET)");
    }
    this.secret = secret.clone();
  }

  public static MessageSigner fromSecret(String secret) {
    return new MessageSigner(secret == null ? null : secret.getBytes(StandardCharsets.UTF_8));
  }

  public <T extends Signed<T>> T sign(T message) {
    return message.withSignature(signatureOf(message));
  }

  public <T extends Signed<T>> boolean verify(T message) {
    String claimed = message.signature();
    if (claimed == null || claimed.isEmpty()) {
      return false;
    }
    byte[] expected = signatureOf(message).getBytes(StandardCharsets.US_ASCII);
    return MessageDigest.isEqual(expected, claimed.getBytes(StandardCharsets.US_ASCII));
  }

  public <T extends Signed<T>> String signatureOf(T message) {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(new SecretKeySpec(secret, ALGORITHM));
      return HexFormat.of().formatHex(mac.doFinal(canonicalBody(message)));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HMAC-SHA256 is not available in this JVM", e);
    }
  }

  /** The bytes that are signed: sorted-key JSON without the signature field. */
  public static byte[] canonicalBody(Object message) {
    JsonNode tree = MessageSerde.MAPPER.valueToTree(message);
    if (tree instanceof ObjectNode object) {
      object.remove("signature");
    }
    try {
      return MessageSerde.MAPPER.writeValueAsBytes(sorted(tree));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("cannot canonicalise " + message.getClass(), e);
    }
  }

  private static JsonNode sorted(JsonNode node) {
    if (node.isObject()) {
      List<String> names = new ArrayList<>();
      node.fieldNames().forEachRemaining(names::add);
      Collections.sort(names);
      ObjectNode out = JsonNodeFactory.instance.objectNode();
      for (String name : names) {
        out.set(name, sorted(node.get(name)));
      }
      return out;
    }
    if (node.isArray()) {
      ArrayNode out = JsonNodeFactory.instance.arrayNode();
      for (Iterator<JsonNode> it = node.elements(); it.hasNext(); ) {
        out.add(sorted(it.next()));
      }
      return out;
    }
    return node;
  }
}
