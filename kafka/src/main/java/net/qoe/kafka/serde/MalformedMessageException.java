package net.qoe.kafka.serde;

/** Raised by the serde when bytes are not a valid message; the message says what was wrong. */
public class MalformedMessageException extends Exception {

  private final String reason;

  public MalformedMessageException(String reason, String detail) {
    super(reason + ": " + detail);
    this.reason = reason;
  }

  public MalformedMessageException(String reason, String detail, Throwable cause) {
    super(reason + ": " + detail, cause);
    this.reason = reason;
  }

  /** A short, groupable reason: malformed-json, unknown-schema, missing-field, wrong-type. */
  public String reason() {
    return reason;
  }
}
