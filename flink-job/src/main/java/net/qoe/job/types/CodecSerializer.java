package net.qoe.job.types;

import java.io.IOException;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * A Flink serializer for one of our types, written field by field: compact, versioned through its
 * snapshot, and never Kryo or Java serialization. Subclasses say how to write and read.
 */
public abstract class CodecSerializer<T> extends TypeSerializerSingleton<T> {

  private static final long serialVersionUID = 1L;

  protected abstract void write(T value, DataOutputView out) throws IOException;

  protected abstract T read(DataInputView in) throws IOException;

  /** Immutable types (records) are shared, not copied, between chained operators. */
  @Override
  public abstract boolean isImmutableType();

  @Override
  public T createInstance() {
    return null;
  }

  @Override
  public T copy(T from) {
    if (from == null || isImmutableType()) {
      return from;
    }
    try {
      org.apache.flink.core.memory.DataOutputSerializer out =
          new org.apache.flink.core.memory.DataOutputSerializer(256);
      write(from, out);
      return read(
          new org.apache.flink.core.memory.DataInputDeserializer(
              out.getSharedBuffer(), 0, out.length()));
    } catch (IOException e) {
      throw new IllegalStateException("cannot copy " + from.getClass().getSimpleName(), e);
    }
  }

  @Override
  public T copy(T from, T reuse) {
    return copy(from);
  }

  @Override
  public int getLength() {
    return -1;
  }

  @Override
  public void serialize(T record, DataOutputView target) throws IOException {
    write(record, target);
  }

  @Override
  public T deserialize(DataInputView source) throws IOException {
    return read(source);
  }

  @Override
  public T deserialize(T reuse, DataInputView source) throws IOException {
    return read(source);
  }

  @Override
  public void copy(DataInputView source, DataOutputView target) throws IOException {
    write(read(source), target);
  }

  // Helpers for nullable values, shared by the codecs.

  protected static void writeNullableString(String s, DataOutputView out) throws IOException {
    out.writeBoolean(s != null);
    if (s != null) {
      out.writeUTF(s);
    }
  }

  protected static String readNullableString(DataInputView in) throws IOException {
    return in.readBoolean() ? in.readUTF() : null;
  }

  protected static void writeNullableDouble(Double d, DataOutputView out) throws IOException {
    out.writeBoolean(d != null);
    if (d != null) {
      out.writeDouble(d);
    }
  }

  protected static Double readNullableDouble(DataInputView in) throws IOException {
    return in.readBoolean() ? in.readDouble() : null;
  }

  protected static void writeBytes(byte[] b, DataOutputView out) throws IOException {
    out.writeInt(b.length);
    out.write(b);
  }

  protected static byte[] readBytes(DataInputView in) throws IOException {
    byte[] b = new byte[in.readInt()];
    in.readFully(b);
    return b;
  }
}
