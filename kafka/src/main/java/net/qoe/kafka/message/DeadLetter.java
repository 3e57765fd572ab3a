package net.qoe.kafka.message;

import java.util.List;

/**
 * A record the job could not use, on {@code qoe.dlq}: the raw key and value (base64), where it came
 * from, and why it was set aside. {@code stage} is where it was rejected (deserialize, validate,
 * late, sink); {@code reason} is a short machine-groupable reason and {@code detail} the human
 * explanation.
 */
public record DeadLetter(
    int schema,
    String sourceTopic,
    int partition,
    long offset,
    String keyBase64,
    String valueBase64,
    String stage,
    String reason,
    String detail,
    String eventId,
    long recordTsMs,
    long observedMs) {

  public static final String STAGE_DESERIALIZE = "deserialize";
  public static final String STAGE_VALIDATE = "validate";
  public static final String STAGE_LATE = "late";
  public static final String STAGE_SINK = "sink";

  /** Every value {@code stage} may take (the enum of its JSON Schema). */
  public static final List<String> STAGES =
      List.of(STAGE_DESERIALIZE, STAGE_VALIDATE, STAGE_LATE, STAGE_SINK);
}
