package net.qoe.job.sink;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import net.qoe.job.ingest.DeadLetterBytes;
import net.qoe.job.ingest.IngestResult;
import net.qoe.job.testing.Ingest;
import net.qoe.kafka.message.DeadLetter;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/**
 * Dead letters as the dead-letter producer sends them. Whatever Kafka accepted on the measurements
 * topic (up to 1 MiB under the defaults) must fit that producer's own 1 MiB limit once it is a dead
 * letter, or the send fails, the job fails over and reads the same record again.
 */
class DeadLetterRecordsTest {

  private static DeadLetter deadLetterOf(byte[] key, byte[] value) {
    ConsumerRecord<byte[], byte[]> record =
        new ConsumerRecord<>(
            "qoe.measurements",
            3,
            77,
            System.currentTimeMillis(),
            TimestampType.CREATE_TIME,
            key == null ? -1 : key.length,
            value.length,
            key,
            value,
            new RecordHeaders(),
            Optional.empty());
    IngestResult result = Ingest.of(record);
    assertThat(result.isMeasurement()).isFalse();
    return result.deadLetter();
  }

  @Test
  void theDeadLetterOfTheLargestRecordKafkaAcceptsFitsTheDeadLetterProducer() {
    byte[] value = new byte[1_000_000]; // garbage, not JSON
    Arrays.fill(value, (byte) 'x');
    byte[] key = new byte[40_000];
    Arrays.fill(key, (byte) 'k');
    DeadLetter letter = deadLetterOf(key, value);

    ProducerRecord<byte[], byte[]> produced =
        new DeadLetterRecords("qoe.dlq").serialize(letter, null, null);
    int size = produced.key().length + produced.value().length;
    int maxRequestSize =
        (Integer)
            ProducerConfig.configDef().defaultValues().get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
    assertThat(size).isLessThanOrEqualTo(maxRequestSize);

    // what is kept is the record's beginning, and the letter says it was cut and from how much
    byte[] keptValue = Base64.getDecoder().decode(letter.valueBase64());
    assertThat(keptValue).hasSize(DeadLetterBytes.MAX_VALUE_BYTES);
    assertThat(keptValue).isEqualTo(Arrays.copyOf(value, DeadLetterBytes.MAX_VALUE_BYTES));
    assertThat(Base64.getDecoder().decode(letter.keyBase64()))
        .hasSize(DeadLetterBytes.MAX_KEY_BYTES);
    assertThat(letter.reason()).isEqualTo("malformed-json");
    assertThat(letter.detail())
        .contains("(key cut to its first 16384 of 40000 bytes)")
        .contains("(value cut to its first 262144 of 1000000 bytes)");
    assertThat(letter.offset()).isEqualTo(77); // where the whole record still is
  }

  @Test
  void aSmallRecordIsKeptWholeWithNothingAddedToItsDetail() {
    byte[] value = "{".getBytes(StandardCharsets.UTF_8);
    DeadLetter letter = deadLetterOf("p|t".getBytes(StandardCharsets.UTF_8), value);

    assertThat(Base64.getDecoder().decode(letter.valueBase64())).isEqualTo(value);
    assertThat(letter.detail()).doesNotContain("cut to");
  }

  @Test
  void aNegativeTimestampIsLeftToTheProducer() {
    DeadLetter letter = deadLetterOf(null, "{".getBytes(StandardCharsets.UTF_8));
    DeadLetterRecords records = new DeadLetterRecords("qoe.dlq");

    assertThat(records.serialize(letter, null, Long.MIN_VALUE).timestamp()).isNull();
    assertThat(records.serialize(letter, null, -1L).timestamp()).isNull();
    assertThat(records.serialize(letter, null, 1_767_225_600_000L).timestamp())
        .isEqualTo(1_767_225_600_000L);
  }
}
