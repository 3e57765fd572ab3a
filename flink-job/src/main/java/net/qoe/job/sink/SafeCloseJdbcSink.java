package net.qoe.job.sink;

import java.io.IOException;
import java.util.Collection;
import java.util.List;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.api.connector.sink2.SupportsCommitter;
import org.apache.flink.api.connector.sink2.SupportsWriterState;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.connector.jdbc.core.datastream.sink.JdbcSink;
import org.apache.flink.connector.jdbc.core.datastream.sink.committer.JdbcCommitable;
import org.apache.flink.connector.jdbc.core.datastream.sink.writer.JdbcWriter;
import org.apache.flink.connector.jdbc.core.datastream.sink.writer.JdbcWriterState;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link JdbcSink} whose writer never throws from {@code close()}.
 *
 * <p>When the database goes away, the connector's writer fails its flush, cannot reconnect, and is
 * left without a statement. Flink then cleans the failed task up by closing the writer, whose
 * {@code close()} tries to flush the pending batch once more and throws. An exception while a
 * failed task is being cleaned up is fatal to Flink: the whole TaskManager shuts down, and with it
 * every other job's tasks on it, instead of the job simply restarting once the database is back.
 *
 * <p>Dropping that last flush loses nothing: at least once comes from the flush at every checkpoint
 * and at the end of input (both still throw); rows pending at {@code close()} were written after
 * the last checkpoint and are produced again when the job restores from it.
 */
public final class SafeCloseJdbcSink<IN>
    implements Sink<IN>,
        SupportsWriterState<IN, JdbcWriterState>,
        SupportsCommitter<JdbcCommitable> {

  private static final long serialVersionUID = 1L;

  private final JdbcSink<IN> delegate;

  private SafeCloseJdbcSink(JdbcSink<IN> delegate) {
    this.delegate = delegate;
  }

  public static <IN> SafeCloseJdbcSink<IN> of(JdbcSink<IN> sink) {
    return new SafeCloseJdbcSink<>(sink);
  }

  @Override
  public Writer<IN> createWriter(WriterInitContext context) throws IOException {
    return new Writer<>(delegate.createWriter(context));
  }

  @Override
  public Writer<IN> restoreWriter(
      WriterInitContext context, Collection<JdbcWriterState> recoveredState) throws IOException {
    return new Writer<>(delegate.restoreWriter(context, recoveredState));
  }

  @Override
  public SimpleVersionedSerializer<JdbcWriterState> getWriterStateSerializer() {
    return delegate.getWriterStateSerializer();
  }

  @Override
  public Committer<JdbcCommitable> createCommitter(CommitterInitContext context)
      throws IOException {
    return delegate.createCommitter(context);
  }

  @Override
  public SimpleVersionedSerializer<JdbcCommitable> getCommittableSerializer() {
    return delegate.getCommittableSerializer();
  }

  /** The connector's writer, with a {@code close()} that logs instead of throwing. */
  static final class Writer<IN>
      implements StatefulSinkWriter<IN, JdbcWriterState>, CommittingSinkWriter<IN, JdbcCommitable> {

    private static final Logger LOG = LoggerFactory.getLogger(SafeCloseJdbcSink.class);

    private final JdbcWriter<IN> writer;

    Writer(JdbcWriter<IN> writer) {
      this.writer = writer;
    }

    @Override
    public void write(IN element, Context context) throws IOException, InterruptedException {
      writer.write(element, context);
    }

    @Override
    public void writeWatermark(Watermark watermark) throws IOException, InterruptedException {
      writer.writeWatermark(watermark);
    }

    @Override
    public void flush(boolean endOfInput) throws IOException, InterruptedException {
      writer.flush(endOfInput);
    }

    @Override
    public Collection<JdbcCommitable> prepareCommit() throws IOException, InterruptedException {
      return writer.prepareCommit();
    }

    @Override
    public List<JdbcWriterState> snapshotState(long checkpointId) throws IOException {
      return writer.snapshotState(checkpointId);
    }

    @Override
    public void close() {
      try {
        writer.close();
      } catch (Exception | AssertionError e) {
        // AssertionError: the PostgreSQL driver asserts on a connection that died mid-statement
        // when assertions are on (as in tests); that must not take the TaskManager down either.
        LOG.warn(
            "Closing the JDBC writer failed; rows not yet flushed are produced again when the job"
                + " restores from its last checkpoint",
            e);
      }
    }
  }
}
