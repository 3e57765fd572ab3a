package net.qoe.job.baseline;

import java.io.IOException;
import java.lang.reflect.Type;
import java.util.Map;
import java.util.TreeMap;
import net.qoe.job.types.CodecSerializer;
import net.qoe.job.types.CodecTypeInfo;
import net.qoe.job.window.SeriesAggregate;
import org.apache.flink.api.common.typeinfo.TypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * A window aggregate with its scores against the series' baselines. {@code scores} is empty during
 * warm-up; {@code worst} names the headline with the highest score.
 */
@TypeInfo(ScoredWindow.Factory.class)
public record ScoredWindow(
    SeriesAggregate aggregate, Map<String, MetricScore> scores, boolean anomalous, String worst) {

  public ScoredWindow {
    scores = java.util.Collections.unmodifiableMap(new TreeMap<>(scores));
  }

  public double maxScore() {
    return worst == null ? 0 : scores.get(worst).score();
  }

  public double score(String headline) {
    MetricScore s = scores.get(headline);
    return s == null ? 0 : s.score();
  }

  public static final class Factory extends TypeInfoFactory<ScoredWindow> {
    @Override
    public TypeInformation<ScoredWindow> createTypeInfo(
        Type t, Map<String, TypeInformation<?>> genericParameters) {
      return new CodecTypeInfo<>(ScoredWindow.class, new Serializer());
    }
  }

  public static final class Serializer extends CodecSerializer<ScoredWindow> {
    private static final long serialVersionUID = 1L;
    private static final SeriesAggregate.Serializer AGGREGATES = new SeriesAggregate.Serializer();

    @Override
    public boolean isImmutableType() {
      return true;
    }

    @Override
    protected void write(ScoredWindow w, DataOutputView out) throws IOException {
      AGGREGATES.serialize(w.aggregate, out);
      out.writeInt(w.scores.size());
      for (Map.Entry<String, MetricScore> e : w.scores.entrySet()) {
        out.writeUTF(e.getKey());
        out.writeDouble(e.getValue().value());
        out.writeDouble(e.getValue().expected());
        out.writeDouble(e.getValue().sigma());
        out.writeDouble(e.getValue().score());
      }
      out.writeBoolean(w.anomalous);
      writeNullableString(w.worst, out);
    }

    @Override
    protected ScoredWindow read(DataInputView in) throws IOException {
      SeriesAggregate a = AGGREGATES.deserialize(in);
      int n = in.readInt();
      Map<String, MetricScore> scores = new TreeMap<>();
      for (int i = 0; i < n; i++) {
        scores.put(
            in.readUTF(),
            new MetricScore(in.readDouble(), in.readDouble(), in.readDouble(), in.readDouble()));
      }
      return new ScoredWindow(a, scores, in.readBoolean(), readNullableString(in));
    }

    @Override
    public TypeSerializerSnapshot<ScoredWindow> snapshotConfiguration() {
      return new Snapshot();
    }
  }

  public static final class Snapshot extends SimpleTypeSerializerSnapshot<ScoredWindow> {
    public Snapshot() {
      super(Serializer::new);
    }
  }
}
