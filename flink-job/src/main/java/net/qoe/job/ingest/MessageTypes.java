package net.qoe.job.ingest;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import net.qoe.job.types.CodecSerializer;
import net.qoe.job.types.CodecTypeInfo;
import net.qoe.job.types.JsonMessageSerializer;
import net.qoe.kafka.message.DeadLetter;
import net.qoe.kafka.message.ImmutableDoubleList;
import net.qoe.kafka.message.ImmutableMetricMap;
import net.qoe.kafka.message.Measurement;
import net.qoe.kafka.message.MeasurementError;
import net.qoe.kafka.serde.MessageSerde;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

/**
 * Flink types of the wire messages that flow through the job: measurements in a compact binary
 * form, dead letters (rare) as their own JSON.
 */
public final class MessageTypes {

  public static final TypeInformation<Measurement> MEASUREMENT =
      new CodecTypeInfo<>(Measurement.class, new MeasurementSerializer());

  public static final TypeInformation<DeadLetter> DEAD_LETTER =
      new CodecTypeInfo<>(DeadLetter.class, new DeadLetterSerializer());

  private MessageTypes() {}

  /**
   * Measurements between operators, field by field in binary. They cross the network up to three
   * times (dedupe, windows, escalation); as JSON that was about a third of the job's CPU. No keyed
   * state holds measurements, so the format is free to change with the leading version byte.
   */
  public static final class MeasurementSerializer extends CodecSerializer<Measurement> {
    private static final long serialVersionUID = 1L;
    private static final int VERSION = 1;

    @Override
    public boolean isImmutableType() {
      return true;
    }

    @Override
    protected void write(Measurement m, DataOutputView out) throws IOException {
      out.writeByte(VERSION);
      out.writeInt(m.schema());
      StringValue.writeString(m.eventId(), out);
      StringValue.writeString(m.probeId(), out);
      StringValue.writeString(m.target(), out);
      StringValue.writeString(m.test(), out);
      out.writeInt(m.tier());
      out.writeLong(m.tsMs());
      out.writeBoolean(m.ok());
      MeasurementError error = m.error();
      out.writeBoolean(error != null);
      if (error != null) {
        StringValue.writeString(error.stage(), out);
        StringValue.writeString(error.message(), out);
      }
      List<Double> rtts = m.rttMs();
      out.writeInt(rtts == null ? -1 : rtts.size());
      if (rtts != null) {
        for (Double rtt : rtts) {
          writeNullableDouble(rtt, out);
        }
      }
      writeNullableInt(m.sent(), out);
      writeNullableInt(m.received(), out);
      out.writeInt(m.metrics().size());
      for (Map.Entry<String, Double> e : m.metrics().entrySet()) {
        StringValue.writeString(e.getKey(), out);
        writeNullableDouble(e.getValue(), out);
      }
    }

    @Override
    protected Measurement read(DataInputView in) throws IOException {
      int version = in.readUnsignedByte();
      if (version != VERSION) {
        throw new IOException("unknown measurement encoding version " + version);
      }
      int schema = in.readInt();
      String eventId = StringValue.readString(in);
      String probeId = StringValue.readString(in);
      String target = StringValue.readString(in);
      String test = StringValue.readString(in);
      int tier = in.readInt();
      long tsMs = in.readLong();
      boolean ok = in.readBoolean();
      MeasurementError error =
          in.readBoolean()
              ? new MeasurementError(StringValue.readString(in), StringValue.readString(in))
              : null;
      // Read into arrays the measurement keeps as they are (no copy in its constructor).
      int n = in.readInt();
      List<Double> rtts = null;
      if (n >= 0) {
        Double[] rttValues = new Double[n];
        for (int i = 0; i < n; i++) {
          rttValues[i] = readNullableDouble(in);
        }
        rtts = ImmutableDoubleList.of(rttValues, n);
      }
      Integer sent = readNullableInt(in);
      Integer received = readNullableInt(in);
      int metricCount = Math.max(0, in.readInt()); // as before, a negative count reads nothing
      String[] names = new String[metricCount];
      Double[] values = new Double[metricCount];
      for (int i = 0; i < metricCount; i++) {
        names[i] = StringValue.readString(in);
        values[i] = readNullableDouble(in);
      }
      // written in name order, so this only checks the order (a repeated name: the last counts)
      Map<String, Double> metrics = ImmutableMetricMap.of(names, values, metricCount);
      return new Measurement(
          schema, eventId, probeId, target, test, tier, tsMs, ok, error, rtts, sent, received,
          metrics);
    }

    private static void writeNullableInt(Integer v, DataOutputView out) throws IOException {
      out.writeBoolean(v != null);
      if (v != null) {
        out.writeInt(v);
      }
    }

    private static Integer readNullableInt(DataInputView in) throws IOException {
      return in.readBoolean() ? in.readInt() : null;
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
