package net.qoe.job.sink;

import java.nio.charset.StandardCharsets;
import net.qoe.kafka.message.DeadLetter;
import net.qoe.kafka.serde.MessageSerde;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Dead letters onto their topic, keyed by where they came from, as the serde writes them. */
final class DeadLetterRecords implements KafkaRecordSerializationSchema<DeadLetter> {

  private static final long serialVersionUID = 1L;

  private final String topic;

  DeadLetterRecords(String topic) {
    this.topic = topic;
  }

  @Override
  public ProducerRecord<byte[], byte[]> serialize(
      DeadLetter letter, KafkaSinkContext context, Long timestamp) {
    byte[] key = (letter.sourceTopic() + "|" + letter.partition()).getBytes(StandardCharsets.UTF_8);
    // Kafka refuses a negative timestamp; the letter keeps its record's own in record_ts_ms
    Long ts = timestamp == null || timestamp < 0 ? null : timestamp;
    return new ProducerRecord<>(topic, null, ts, key, MessageSerde.DEAD_LETTER.toBytes(letter));
  }
}
