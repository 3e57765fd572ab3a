package net.qoe.job.types;

import java.util.Objects;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/** Type information that hands Flink our own serializer for a type. */
public final class CodecTypeInfo<T> extends TypeInformation<T> {

  private static final long serialVersionUID = 1L;

  private final Class<T> type;
  private final TypeSerializer<T> serializer;

  public CodecTypeInfo(Class<T> type, TypeSerializer<T> serializer) {
    this.type = type;
    this.serializer = serializer;
  }

  @Override
  public boolean isBasicType() {
    return false;
  }

  @Override
  public boolean isTupleType() {
    return false;
  }

  @Override
  public int getArity() {
    return 1;
  }

  @Override
  public int getTotalFields() {
    return 1;
  }

  @Override
  public Class<T> getTypeClass() {
    return type;
  }

  @Override
  public boolean isKeyType() {
    return false;
  }

  @Override
  public TypeSerializer<T> createSerializer(SerializerConfig config) {
    return serializer.duplicate();
  }

  @Override
  public String toString() {
    return type.getSimpleName() + "<" + serializer.getClass().getSimpleName() + ">";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CodecTypeInfo<?> other
        && other.canEqual(this)
        && type.equals(other.type)
        && serializer.getClass().equals(other.serializer.getClass());
  }

  @Override
  public int hashCode() {
    return Objects.hash(type, serializer.getClass());
  }

  @Override
  public boolean canEqual(Object o) {
    return o instanceof CodecTypeInfo;
  }
}
