package net.qoe.job.ingest;

import java.io.IOException;
import java.lang.reflect.Type;
import java.util.Map;
import java.util.Objects;
import net.qoe.job.types.CodecSerializer;
import net.qoe.job.types.CodecTypeInfo;
import net.qoe.kafka.message.DeadLetter;
import net.qoe.kafka.message.Measurement;
import org.apache.flink.api.common.typeinfo.TypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/** What one Kafka record became: a measurement, or a dead letter saying why not. */
@TypeInfo(IngestResult.Factory.class)
public final class IngestResult {

  private final Measurement measurement;
  private final DeadLetter deadLetter;

  private IngestResult(Measurement measurement, DeadLetter deadLetter) {
    this.measurement = measurement;
    this.deadLetter = deadLetter;
  }

  public static IngestResult of(Measurement measurement) {
    return new IngestResult(Objects.requireNonNull(measurement), null);
  }

  public static IngestResult rejected(DeadLetter deadLetter) {
    return new IngestResult(null, Objects.requireNonNull(deadLetter));
  }

  public boolean isMeasurement() {
    return measurement != null;
  }

  public Measurement measurement() {
    return measurement;
  }

  public DeadLetter deadLetter() {
    return deadLetter;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof IngestResult r
        && Objects.equals(measurement, r.measurement)
        && Objects.equals(deadLetter, r.deadLetter);
  }

  @Override
  public int hashCode() {
    return Objects.hash(measurement, deadLetter);
  }

  @Override
  public String toString() {
    return isMeasurement()
        ? "IngestResult[" + measurement + "]"
        : "IngestResult[" + deadLetter + "]";
  }

  public static final TypeInformation<IngestResult> TYPE =
      new CodecTypeInfo<>(IngestResult.class, new Serializer());

  public static final class Factory extends TypeInfoFactory<IngestResult> {
    @Override
    public TypeInformation<IngestResult> createTypeInfo(
        Type t, Map<String, TypeInformation<?>> genericParameters) {
      return TYPE;
    }
  }

  public static final class Serializer extends CodecSerializer<IngestResult> {
    private static final long serialVersionUID = 1L;
    private static final MessageTypes.MeasurementSerializer MEASUREMENTS =
        new MessageTypes.MeasurementSerializer();
    private static final MessageTypes.DeadLetterSerializer DEAD_LETTERS =
        new MessageTypes.DeadLetterSerializer();

    @Override
    public boolean isImmutableType() {
      return true;
    }

    @Override
    protected void write(IngestResult value, DataOutputView out) throws IOException {
      out.writeBoolean(value.isMeasurement());
      if (value.isMeasurement()) {
        MEASUREMENTS.serialize(value.measurement, out);
      } else {
        DEAD_LETTERS.serialize(value.deadLetter, out);
      }
    }

    @Override
    protected IngestResult read(DataInputView in) throws IOException {
      return in.readBoolean()
          ? of(MEASUREMENTS.deserialize(in))
          : rejected(DEAD_LETTERS.deserialize(in));
    }

    @Override
    public TypeSerializerSnapshot<IngestResult> snapshotConfiguration() {
      return new Snapshot();
    }
  }

  public static final class Snapshot extends SimpleTypeSerializerSnapshot<IngestResult> {
    public Snapshot() {
      super(Serializer::new);
    }
  }

  /** For tests: the serializer Flink will use. */
  static TypeSerializer<IngestResult> serializer() {
    return new Serializer();
  }
}
