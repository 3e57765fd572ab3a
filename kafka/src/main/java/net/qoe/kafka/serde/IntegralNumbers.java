package net.qoe.kafka.serde;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.deser.std.DelegatingDeserializer;
import com.fasterxml.jackson.databind.deser.std.NumberDeserializers;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;

/**
 * Integer fields as JSON Schema reads {@code "type": "integer"}: any number without a fractional
 * part, so {@code 2} and {@code 2.0} (or {@code 1.7672256E12}) are integers and {@code 2.9} is not.
 * Jackson's own choice is all or nothing: truncate every float ({@code 2.9} became 2) or refuse
 * every float. Anything but a float token goes to Jackson's deserializer for the type, as the
 * mapper configures it (null handling included).
 */
final class IntegralNumbers {

  private static final double TWO_TO_63 = 0x1p63;

  private IntegralNumbers() {}

  /** Deserializers for {@code int}, {@code Integer}, {@code long} and {@code Long}. */
  static SimpleModule module() {
    SimpleModule m = new SimpleModule("integral-numbers");
    add(m, int.class);
    add(m, Integer.class);
    add(m, long.class);
    add(m, Long.class);
    return m;
  }

  @SuppressWarnings("unchecked")
  private static <T> void add(SimpleModule m, Class<T> type) {
    m.addDeserializer(type, (JsonDeserializer<T>) (JsonDeserializer<?>) new Integral(type));
  }

  private static final class Integral extends DelegatingDeserializer {
    private static final long serialVersionUID = 1L;

    private final Class<?> type;
    private final boolean isLong;

    Integral(Class<?> type) {
      this(type, NumberDeserializers.find(type, type.getName()));
    }

    private Integral(Class<?> type, JsonDeserializer<?> jackson) {
      super(jackson);
      this.type = type;
      this.isLong = type == long.class || type == Long.class;
    }

    @Override
    protected JsonDeserializer<?> newDelegatingInstance(JsonDeserializer<?> newDelegatee) {
      return new Integral(type, newDelegatee);
    }

    @Override
    public Object deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      if (!p.hasToken(JsonToken.VALUE_NUMBER_FLOAT)) {
        return super.deserialize(p, ctxt);
      }
      double v = p.getDoubleValue();
      if (v == Math.rint(v)) {
        if (isLong && v >= -TWO_TO_63 && v < TWO_TO_63) {
          return (long) v;
        }
        if (!isLong && v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
          return (int) v;
        }
      }
      return ctxt.handleWeirdNumberValue(
          type, p.getNumberValue(), isLong ? "not an integer (long)" : "not an integer (int)");
    }
  }
}
