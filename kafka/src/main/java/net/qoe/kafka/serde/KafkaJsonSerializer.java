package net.qoe.kafka.serde;

import org.apache.kafka.common.serialization.Serializer;

/** Kafka producer adapter over a {@link MessageSerde}. */
public final class KafkaJsonSerializer<T> implements Serializer<T> {

  private final MessageSerde<T> serde;

  public KafkaJsonSerializer(MessageSerde<T> serde) {
    this.serde = serde;
  }

  @Override
  public byte[] serialize(String topic, T data) {
    return data == null ? null : serde.toBytes(data);
  }
}
