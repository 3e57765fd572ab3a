package net.qoe.job.window;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.encoding.ByteArrayInput;
import com.datadoghq.sketch.ddsketch.encoding.GrowingByteArrayOutput;
import com.datadoghq.sketch.ddsketch.mapping.LogarithmicMapping;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The one kind of quantile sketch the job uses: DDSketch with 1 % relative accuracy and at most
 * 2048 bins per sign (when full it collapses the lowest bins, so the upper quantiles keep their
 * accuracy; 2048 bins at 1 % span about 17 orders of magnitude, so in practice nothing collapses),
 * and its byte encoding: the library's own {@code encode}/{@code decode} (about 0.5 KB), never its
 * protobuf binding, which breaks with protobuf 4.
 *
 * <p>The bins live in a {@link LowestCollapsingStore}: the same contents and bytes as the library's
 * {@code CollapsingLowestDenseStore} ({@code DDSketches.logarithmicCollapsingLowestDense}), without
 * its re-centring on nearly every new extreme value.
 */
public final class Sketches {

  public static final double RELATIVE_ACCURACY = 0.01;
  public static final int MAX_BINS = 2048;

  private static final LogarithmicMapping MAPPING = new LogarithmicMapping(RELATIVE_ACCURACY);

  private Sketches() {}

  private static LowestCollapsingStore newStore() {
    return new LowestCollapsingStore(MAX_BINS);
  }

  public static DDSketch create() {
    return new DDSketch(MAPPING, Sketches::newStore);
  }

  public static byte[] encode(DDSketch sketch) {
    GrowingByteArrayOutput out = GrowingByteArrayOutput.withInitialCapacity(256);
    try {
      sketch.encode(out, false);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.trimmedCopy();
  }

  public static DDSketch decode(byte[] bytes) throws IOException {
    return DDSketch.decode(ByteArrayInput.wrap(bytes), Sketches::newStore);
  }
}
