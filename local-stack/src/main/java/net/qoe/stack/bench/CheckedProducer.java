package net.qoe.stack.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * A benchmark's producer that does not lose records: a send the broker rejects (on a busy machine
 * the idempotent producer has seen OUT_OF_ORDER_SEQUENCE_NUMBER, which fails the batch) is kept and
 * sent again by {@link #flush}, so a topic holds every record it was filled with or the benchmark
 * stops with the cause, instead of a consumer waiting out its deadline for records that never came.
 */
final class CheckedProducer implements AutoCloseable {

  private static final int ATTEMPTS = 5;

  private final KafkaProducer<byte[], byte[]> producer;
  private final ConcurrentLinkedQueue<ProducerRecord<byte[], byte[]>> failed =
      new ConcurrentLinkedQueue<>();
  private final AtomicReference<Exception> lastError = new AtomicReference<>();
  private long resent;

  CheckedProducer(KafkaProducer<byte[], byte[]> producer) {
    this.producer = producer;
  }

  void send(ProducerRecord<byte[], byte[]> record) {
    producer.send(
        record,
        (metadata, e) -> {
          if (e != null) {
            lastError.set(e);
            failed.add(record);
          }
        });
  }

  /** Waits for every send; sends the failed ones again until none fail, or gives up with why. */
  void flush() {
    producer.flush();
    for (int attempt = 1; !failed.isEmpty(); attempt++) {
      if (attempt > ATTEMPTS) {
        throw new IllegalStateException(
            failed.size() + " records still failed after " + ATTEMPTS + " attempts",
            lastError.get());
      }
      List<ProducerRecord<byte[], byte[]>> again = new ArrayList<>();
      for (ProducerRecord<byte[], byte[]> r; (r = failed.poll()) != null; ) {
        again.add(r);
      }
      resent += again.size();
      again.forEach(this::send);
      producer.flush();
    }
  }

  /** Records that had to be sent again. */
  long resent() {
    return resent;
  }

  @Override
  public void close() {
    producer.close();
  }
}
