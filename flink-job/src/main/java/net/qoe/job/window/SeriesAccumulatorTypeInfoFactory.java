package net.qoe.job.window;

import java.lang.reflect.Type;
import java.util.Map;
import net.qoe.job.types.CodecTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/** Binds {@link SeriesAccumulator} to {@link SeriesAccumulatorSerializer} wherever Flink looks. */
public final class SeriesAccumulatorTypeInfoFactory extends TypeInfoFactory<SeriesAccumulator> {

  public static final TypeInformation<SeriesAccumulator> TYPE =
      new CodecTypeInfo<>(SeriesAccumulator.class, new SeriesAccumulatorSerializer());

  @Override
  public TypeInformation<SeriesAccumulator> createTypeInfo(
      Type t, Map<String, TypeInformation<?>> genericParameters) {
    return TYPE;
  }
}
