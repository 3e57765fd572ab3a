package net.qoe.job.diagnosis;

import java.io.IOException;
import java.lang.reflect.Type;
import java.util.Map;
import net.qoe.job.baseline.ScoredWindow;
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
 * A scored window with its diagnosis and, once the cross-probe correlation has seen the other
 * series of the same window, its scope.
 *
 * @param scope {@link #SCOPE_TARGET} (several probes degraded towards this target), {@link
 *     #SCOPE_PROBE} (this probe degraded towards several targets), {@link #SCOPE_PAIR} (only this
 *     pair), or null for a window that is not degraded or not correlated yet
 * @param degradedProbes probes degraded towards this target in this window (this one included)
 * @param targetProbes probes that measured this target in this window
 * @param degradedTargets targets this probe was degraded towards in this window
 * @param probeTargets targets this probe measured in this window
 */
@TypeInfo(DiagnosedWindow.Factory.class)
public record DiagnosedWindow(
    ScoredWindow scored,
    String label,
    String reason,
    String scope,
    int degradedProbes,
    int targetProbes,
    int degradedTargets,
    int probeTargets) {

  public static final String SCOPE_TARGET = "target";
  public static final String SCOPE_PROBE = "probe";
  public static final String SCOPE_PAIR = "pair";

  public static final TypeInformation<DiagnosedWindow> TYPE =
      new CodecTypeInfo<>(DiagnosedWindow.class, new Serializer());

  /** A window with a diagnosis and no correlation yet. */
  public static DiagnosedWindow of(ScoredWindow scored, Diagnosis diagnosis) {
    return new DiagnosedWindow(scored, diagnosis.label(), diagnosis.reason(), null, 0, 0, 0, 0);
  }

  /** An aggregate with no baseline scores (warm-up) and no diagnosis; for tests and tools. */
  public static DiagnosedWindow unscored(SeriesAggregate a) {
    return of(new ScoredWindow(a, Map.of(), false, null), Diagnosis.normal());
  }

  public SeriesAggregate aggregate() {
    return scored.aggregate();
  }

  /** Worth correlating: anomalous against the baseline, or given a cause. */
  public boolean degraded() {
    return scored.anomalous() || !Diagnosis.NORMAL.equals(label);
  }

  public DiagnosedWindow withTargetSide(int degraded, int probes) {
    return new DiagnosedWindow(
        scored, label, reason, scope, degraded, probes, degradedTargets, probeTargets);
  }

  public DiagnosedWindow withProbeSide(String scope, int degraded, int targets) {
    return new DiagnosedWindow(
        scored, label, reason, scope, degradedProbes, targetProbes, degraded, targets);
  }

  public DiagnosedWindow withReason(String newReason) {
    return new DiagnosedWindow(
        scored,
        label,
        newReason,
        scope,
        degradedProbes,
        targetProbes,
        degradedTargets,
        probeTargets);
  }

  public static final class Factory extends TypeInfoFactory<DiagnosedWindow> {
    @Override
    public TypeInformation<DiagnosedWindow> createTypeInfo(
        Type t, Map<String, TypeInformation<?>> genericParameters) {
      return TYPE;
    }
  }

  /** Format (version 1): version byte, the scored window, label, reason, scope, four ints. */
  public static final class Serializer extends CodecSerializer<DiagnosedWindow> {
    private static final long serialVersionUID = 1L;
    private static final byte FORMAT_VERSION = 1;
    private static final ScoredWindow.Serializer SCORED = new ScoredWindow.Serializer();

    @Override
    public boolean isImmutableType() {
      return true;
    }

    @Override
    protected void write(DiagnosedWindow w, DataOutputView out) throws IOException {
      out.writeByte(FORMAT_VERSION);
      SCORED.serialize(w.scored, out);
      writeNullableString(w.label, out);
      writeNullableString(w.reason, out);
      writeNullableString(w.scope, out);
      out.writeInt(w.degradedProbes);
      out.writeInt(w.targetProbes);
      out.writeInt(w.degradedTargets);
      out.writeInt(w.probeTargets);
    }

    @Override
    protected DiagnosedWindow read(DataInputView in) throws IOException {
      byte version = in.readByte();
      if (version != FORMAT_VERSION) {
        throw new IOException("DiagnosedWindow written in format " + version);
      }
      return new DiagnosedWindow(
          SCORED.deserialize(in),
          readNullableString(in),
          readNullableString(in),
          readNullableString(in),
          in.readInt(),
          in.readInt(),
          in.readInt(),
          in.readInt());
    }

    @Override
    public TypeSerializerSnapshot<DiagnosedWindow> snapshotConfiguration() {
      return new Snapshot();
    }
  }

  public static final class Snapshot extends SimpleTypeSerializerSnapshot<DiagnosedWindow> {
    public Snapshot() {
      super(Serializer::new);
    }
  }
}
