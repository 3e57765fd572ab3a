package net.qoe.job.testing;

import java.util.ArrayList;
import java.util.List;
import net.qoe.job.ingest.IngestResult;
import net.qoe.job.ingest.MeasurementDeserializer;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** A Kafka record through the job's deserializer, as the source reads it. */
public final class Ingest {

  private Ingest() {}

  /** The one result the deserializer gives {@code record}. */
  public static IngestResult of(ConsumerRecord<byte[], byte[]> record) {
    List<IngestResult> out = new ArrayList<>();
    new MeasurementDeserializer()
        .deserialize(
            record,
            new Collector<>() {
              @Override
              public void collect(IngestResult r) {
                out.add(r);
              }

              @Override
              public void close() {}
            });
    if (out.size() != 1) {
      throw new AssertionError("the deserializer gave " + out.size() + " results, not one");
    }
    return out.get(0);
  }
}
