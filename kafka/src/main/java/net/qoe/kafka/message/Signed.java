package net.qoe.kafka.message;

/** A message that carries an HMAC signature over its own canonical body. */
public interface Signed<T extends Signed<T>> {

  String signature();

  T withSignature(String signature);
}
