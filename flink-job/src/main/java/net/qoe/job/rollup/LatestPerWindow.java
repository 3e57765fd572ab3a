package net.qoe.job.rollup;

import java.io.IOException;
import java.lang.reflect.Type;
import java.util.Map;
import java.util.TreeMap;
import net.qoe.job.types.CodecSerializer;
import net.qoe.job.types.CodecTypeInfo;
import net.qoe.job.window.SeriesAggregate;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * The finer aggregates of one series that fall into one rollup window, one per finer window start.
 * A finer window re-fired by late data arrives again with its complete, larger aggregate: it
 * replaces the earlier one instead of being added to it, so nothing is counted twice.
 */
@TypeInfo(LatestPerWindow.Factory.class)
public final class LatestPerWindow {

  final TreeMap<Long, SeriesAggregate> byWindowStart = new TreeMap<>();

  public void add(SeriesAggregate a) {
    byWindowStart.merge(
        a.windowStartMs(), a, (old, fresh) -> fresh.count() >= old.count() ? fresh : old);
  }

  public void addAll(LatestPerWindow other) {
    other.byWindowStart.values().forEach(this::add);
  }

  public boolean isEmpty() {
    return byWindowStart.isEmpty();
  }

  public Map<Long, SeriesAggregate> parts() {
    return java.util.Collections.unmodifiableMap(byWindowStart);
  }

  public static final class Factory extends TypeInfoFactory<LatestPerWindow> {
    @Override
    public TypeInformation<LatestPerWindow> createTypeInfo(
        Type t, Map<String, TypeInformation<?>> genericParameters) {
      return new CodecTypeInfo<>(LatestPerWindow.class, new Serializer());
    }
  }

  /** The parts one after the other, each in the aggregate's own serializer. */
  public static final class Serializer extends CodecSerializer<LatestPerWindow> {
    private static final long serialVersionUID = 1L;

    private transient TypeSerializer<SeriesAggregate> aggregates;

    private TypeSerializer<SeriesAggregate> aggregates() {
      if (aggregates == null) {
        aggregates =
            TypeInformation.of(SeriesAggregate.class).createSerializer(new SerializerConfigImpl());
      }
      return aggregates;
    }

    @Override
    public boolean isImmutableType() {
      return false;
    }

    @Override
    public LatestPerWindow createInstance() {
      return new LatestPerWindow();
    }

    @Override
    protected void write(LatestPerWindow value, DataOutputView out) throws IOException {
      out.writeInt(value.byWindowStart.size());
      for (SeriesAggregate a : value.byWindowStart.values()) {
        aggregates().serialize(a, out);
      }
    }

    @Override
    protected LatestPerWindow read(DataInputView in) throws IOException {
      LatestPerWindow value = new LatestPerWindow();
      int n = in.readInt();
      for (int i = 0; i < n; i++) {
        value.add(aggregates().deserialize(in));
      }
      return value;
    }

    @Override
    public TypeSerializerSnapshot<LatestPerWindow> snapshotConfiguration() {
      return new Snapshot();
    }
  }

  public static final class Snapshot extends SimpleTypeSerializerSnapshot<LatestPerWindow> {
    public Snapshot() {
      super(Serializer::new);
    }
  }
}
