package net.qoe.job.escalation;

import java.io.IOException;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.qoe.job.types.CodecSerializer;
import net.qoe.job.types.CodecTypeInfo;
import net.qoe.kafka.message.TierCommand;
import net.qoe.kafka.serde.MessageSigner;
import org.apache.flink.api.common.typeinfo.TypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * A decision of the escalation state machine for one (probe, target): a change of tier, or a
 * refresh ({@code fromTier == toTier}) that extends a running tier before its command expires.
 *
 * @param previousTierMs how long the pair had been in {@code fromTier}
 */
@TypeInfo(TierTransition.Factory.class)
public record TierTransition(
    String probeId,
    String target,
    int fromTier,
    int toTier,
    String reason,
    long atMs,
    long previousTierMs,
    String commandId,
    long expiresMs,
    List<String> tests) {

  public TierTransition {
    tests = List.copyOf(tests);
  }

  public boolean isRefresh() {
    return fromTier == toTier;
  }

  /** The signed command that tells the probe to run (or stop) the tier's suite. */
  public TierCommand toCommand(MessageSigner signer) {
    return signer.sign(
        new TierCommand(
            1, commandId, probeId, target, fromTier, toTier, tests, reason, atMs, expiresMs, null));
  }

  public static final class Factory extends TypeInfoFactory<TierTransition> {
    @Override
    public TypeInformation<TierTransition> createTypeInfo(
        Type t, Map<String, TypeInformation<?>> genericParameters) {
      return new CodecTypeInfo<>(TierTransition.class, new Serializer());
    }
  }

  public static final class Serializer extends CodecSerializer<TierTransition> {
    private static final long serialVersionUID = 1L;

    @Override
    public boolean isImmutableType() {
      return true;
    }

    @Override
    protected void write(TierTransition t, DataOutputView out) throws IOException {
      out.writeUTF(t.probeId);
      out.writeUTF(t.target);
      out.writeInt(t.fromTier);
      out.writeInt(t.toTier);
      out.writeUTF(t.reason);
      out.writeLong(t.atMs);
      out.writeLong(t.previousTierMs);
      out.writeUTF(t.commandId);
      out.writeLong(t.expiresMs);
      out.writeInt(t.tests.size());
      for (String test : t.tests) {
        out.writeUTF(test);
      }
    }

    @Override
    protected TierTransition read(DataInputView in) throws IOException {
      String probe = in.readUTF();
      String target = in.readUTF();
      int from = in.readInt();
      int to = in.readInt();
      String reason = in.readUTF();
      long at = in.readLong();
      long previous = in.readLong();
      String commandId = in.readUTF();
      long expires = in.readLong();
      int n = in.readInt();
      List<String> tests = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        tests.add(in.readUTF());
      }
      return new TierTransition(
          probe, target, from, to, reason, at, previous, commandId, expires, tests);
    }

    @Override
    public TypeSerializerSnapshot<TierTransition> snapshotConfiguration() {
      return new Snapshot();
    }
  }

  public static final class Snapshot extends SimpleTypeSerializerSnapshot<TierTransition> {
    public Snapshot() {
      super(Serializer::new);
    }
  }
}
