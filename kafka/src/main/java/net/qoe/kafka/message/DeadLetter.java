package net.qoe.kafka.message;

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
    long observedMs) {}
