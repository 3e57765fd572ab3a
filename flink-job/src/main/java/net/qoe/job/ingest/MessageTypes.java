package net.qoe.job.ingest;

import net.qoe.job.types.CodecTypeInfo;
import net.qoe.job.types.JsonMessageSerializer;
import net.qoe.kafka.message.DeadLetter;
import net.qoe.kafka.message.Measurement;
import net.qoe.kafka.serde.MessageSerde;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;

/** Flink types of the wire messages that flow through the job. */
public final class MessageTypes {

  public static final TypeInformation<Measurement> MEASUREMENT =
      new CodecTypeInfo<>(Measurement.class, new MeasurementSerializer());

  public static final TypeInformation<DeadLetter> DEAD_LETTER =
      new CodecTypeInfo<>(DeadLetter.class, new DeadLetterSerializer());

  private MessageTypes() {}

  public static final class MeasurementSerializer extends JsonMessageSerializer<Measurement> {
    private static final long serialVersionUID = 1L;

    public MeasurementSerializer() {
      super(MessageSerde.MEASUREMENT);
    }

    @Override
    public TypeSerializerSnapshot<Measurement> snapshotConfiguration() {
      return new MeasurementSnapshot();
    }
  }

  public static final class MeasurementSnapshot extends SimpleTypeSerializerSnapshot<Measurement> {
    public MeasurementSnapshot() {
      super(MeasurementSerializer::new);
    }
  }

  public static final class DeadLetterSerializer extends JsonMessageSerializer<DeadLetter> {
    private static final long serialVersionUID = 1L;

    public DeadLetterSerializer() {
      super(MessageSerde.DEAD_LETTER);
    }

    @Override
    public TypeSerializerSnapshot<DeadLetter> snapshotConfiguration() {
      return new DeadLetterSnapshot();
    }
  }

  public static final class DeadLetterSnapshot extends SimpleTypeSerializerSnapshot<DeadLetter> {
    public DeadLetterSnapshot() {
      super(DeadLetterSerializer::new);
    }
  }
}
