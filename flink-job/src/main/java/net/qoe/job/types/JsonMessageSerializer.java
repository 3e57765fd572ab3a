package net.qoe.job.types;

import java.io.IOException;
import net.qoe.kafka.serde.MalformedMessageException;
import net.qoe.kafka.serde.MessageSerde;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Carries a wire message (a record from the kafka module) between operators as its own JSON, so
 * there is exactly one encoding of each message and no Kryo.
 */
public abstract class JsonMessageSerializer<T> extends CodecSerializer<T> {

  private static final long serialVersionUID = 1L;

  private final MessageSerde<T> serde;

  protected JsonMessageSerializer(MessageSerde<T> serde) {
    this.serde = serde;
  }

  @Override
  public boolean isImmutableType() {
    return true;
  }

  @Override
  protected void write(T value, DataOutputView out) throws IOException {
    writeBytes(serde.toBytes(value), out);
  }

  @Override
  protected T read(DataInputView in) throws IOException {
    try {
      return serde.fromBytes(readBytes(in));
    } catch (MalformedMessageException e) {
      throw new IOException("corrupt " + serde.type().getSimpleName() + " in state or network", e);
    }
  }
}
