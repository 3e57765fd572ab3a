package net.qoe.job.window;

import static org.assertj.core.api.Assertions.assertThat;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.DDSketches;
import com.datadoghq.sketch.ddsketch.encoding.GrowingByteArrayOutput;
import com.datadoghq.sketch.ddsketch.store.Bin;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;

/**
 * {@link LowestCollapsingStore} against the library's {@code CollapsingLowestDenseStore}: the same
 * bins, quantiles and bytes for the same values, whatever their order, spread, sign, merges and
 * copies, including ranges wide enough to collapse.
 */
class LowestCollapsingStoreTest {

  private static final double[] QUANTILES = {0, 0.01, 0.05, 0.25, 0.5, 0.9, 0.95, 0.99, 1};

  private static DDSketch library() {
    return DDSketches.logarithmicCollapsingLowestDense(
        Sketches.RELATIVE_ACCURACY, Sketches.MAX_BINS);
  }

  private static byte[] bytes(DDSketch s) throws IOException {
    GrowingByteArrayOutput out = GrowingByteArrayOutput.withInitialCapacity(64);
    s.encode(out, false);
    return out.trimmedCopy();
  }

  private static List<Bin> bins(Iterator<Bin> it) {
    List<Bin> bins = new ArrayList<>();
    it.forEachRemaining(bins::add);
    return bins;
  }

  private static void assertSame(DDSketch ours, DDSketch theirs) throws IOException {
    assertThat(ours.getCount()).isEqualTo(theirs.getCount());
    assertThat(ours.isEmpty()).isEqualTo(theirs.isEmpty());
    if (!theirs.isEmpty()) {
      assertThat(ours.getValuesAtQuantiles(QUANTILES))
          .containsExactly(theirs.getValuesAtQuantiles(QUANTILES));
      assertThat(ours.getMinValue()).isEqualTo(theirs.getMinValue());
      assertThat(ours.getMaxValue()).isEqualTo(theirs.getMaxValue());
    }
    assertThat(bins(ours.getPositiveValueStore().getAscendingIterator()))
        .isEqualTo(bins(theirs.getPositiveValueStore().getAscendingIterator()));
    assertThat(bins(ours.getPositiveValueStore().getDescendingIterator()))
        .isEqualTo(bins(theirs.getPositiveValueStore().getDescendingIterator()));
    assertThat(bins(ours.getNegativeValueStore().getAscendingIterator()))
        .isEqualTo(bins(theirs.getNegativeValueStore().getAscendingIterator()));
    assertThat(bytes(ours)).isEqualTo(bytes(theirs));
    assertThat(bytes(Sketches.decode(bytes(ours)))).isEqualTo(bytes(theirs));
  }

  private static void compare(DoubleSupplier values, int n) throws IOException {
    DDSketch ours = Sketches.create();
    DDSketch theirs = library();
    for (int i = 0; i < n; i++) {
      double v = values.getAsDouble();
      ours.accept(v);
      theirs.accept(v);
      if (i % 97 == 0) {
        assertSame(ours, theirs);
      }
    }
    assertSame(ours, theirs);
    assertSame(ours.copy(), theirs.copy());
  }

  @Test
  void emptyAndSingleValues() throws IOException {
    assertSame(Sketches.create(), library());
    compare(() -> 42.0, 1);
    compare(() -> 0.0, 3);
  }

  @Test
  void logNormalDurations() throws IOException {
    Random r = new Random(1);
    compare(() -> Math.exp(3 + 0.5 * r.nextGaussian()), 50);
    compare(() -> Math.exp(3 + 2 * r.nextGaussian()), 5_000);
  }

  @Test
  void driftingValuesThatKeepMovingTheRange() throws IOException {
    double[] v = {0.001};
    compare(() -> v[0] *= 1.01, 3_000);
    double[] w = {1e6};
    compare(() -> w[0] /= 1.03, 1_000);
  }

  @Test
  void negativeAndMixedSigns() throws IOException {
    Random r = new Random(2);
    compare(() -> (r.nextBoolean() ? -1 : 1) * Math.exp(10 * r.nextGaussian()), 5_000);
  }

  @Test
  void rangesWideEnoughToCollapse() throws IOException {
    Random r = new Random(3);
    compare(() -> Math.exp(40 * r.nextGaussian()), 5_000);
    double[] up = {1e-300};
    compare(() -> up[0] *= 1.7, 1_200);
    double[] down = {1e300};
    compare(() -> down[0] /= 1.7, 1_200);
  }

  @Test
  void mergesMatchTheLibrary() throws IOException {
    Random r = new Random(4);
    for (int round = 0; round < 200; round++) {
      DDSketch oursA = Sketches.create();
      DDSketch oursB = Sketches.create();
      DDSketch theirsA = library();
      DDSketch theirsB = library();
      double spread = round % 10 == 0 ? 60 : 3;
      double centreA = 5 * r.nextGaussian();
      double centreB = 5 * r.nextGaussian();
      for (int i = 0; i < r.nextInt(100); i++) {
        double v = Math.exp(centreA + spread * r.nextGaussian());
        oursA.accept(v);
        theirsA.accept(v);
      }
      for (int i = 0; i < r.nextInt(100); i++) {
        double v = Math.exp(centreB + spread * r.nextGaussian());
        oursB.accept(v);
        theirsB.accept(v);
      }
      DDSketch decodedB = Sketches.decode(bytes(oursB));
      oursA.mergeWith(round % 2 == 0 ? oursB : decodedB);
      theirsA.mergeWith(theirsB);
      assertSame(oursA, theirsA);
      assertSame(oursB, theirsB); // the merged one is left as it was
    }
  }
}
