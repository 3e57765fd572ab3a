package net.qoe.job.window;

import com.datadoghq.sketch.ddsketch.encoding.BinEncodingMode;
import com.datadoghq.sketch.ddsketch.encoding.Flag;
import com.datadoghq.sketch.ddsketch.encoding.Output;
import com.datadoghq.sketch.ddsketch.encoding.VarEncodingHelper;
import com.datadoghq.sketch.ddsketch.store.Bin;
import com.datadoghq.sketch.ddsketch.store.BinAcceptor;
import com.datadoghq.sketch.ddsketch.store.CollapsingLowestDenseStore;
import com.datadoghq.sketch.ddsketch.store.Store;
import java.io.IOException;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * A DDSketch bin store with the same contents, quantiles and byte encoding as the library's {@link
 * CollapsingLowestDenseStore} with the same bin limit, but cheaper to fill.
 *
 * <p>The library's dense store starts with 64 bins around the first value and, whenever a value
 * falls outside its array, shifts every bin to re-centre the range (and grows in steps of 64): a
 * window's sketch of a few dozen values re-centres many times, which was the largest single item in
 * the job's profile. This store starts with {@value #INITIAL_BINS} bins (a factor of about 1.4
 * either side of the first value at 1 % accuracy; the many sketches of a single value stay that
 * small), doubles with half the range again as headroom when it must move, and so moves its bins a
 * few times in a sketch's life at most.
 *
 * <p>Collapsing is left to the library: once the bins would span more than {@code maxNumBins}
 * indices (17 orders of magnitude at 1 %; not reached by real durations), the bins are handed to a
 * {@link CollapsingLowestDenseStore} and everything goes to it from then on. Its collapsing does
 * not depend on the order the bins arrive in (every index below the highest minus {@code maxNumBins
 * − 1} ends in that lowest bin), so the result is the library's.
 *
 * <p>The encoding is the library's dense store's: contiguous counts or index deltas, whichever is
 * shorter, over the range from the lowest to the highest non-empty bin.
 */
final class LowestCollapsingStore implements Store {

  static final int INITIAL_BINS = 32;

  private final int maxNumBins;

  /** Counts; {@code counts[i]} is the bin with index {@code offset + i}. Null until the first. */
  private double[] counts;

  private int offset;

  /** The lowest and highest non-empty bins; min > max when empty. */
  private int minIndex = Integer.MAX_VALUE;

  private int maxIndex = Integer.MIN_VALUE;

  /** Set once the range needs collapsing; then it holds every bin and this store delegates. */
  private CollapsingLowestDenseStore collapsing;

  LowestCollapsingStore(int maxNumBins) {
    if (maxNumBins < 1) {
      throw new IllegalArgumentException("maxNumBins must be positive, was " + maxNumBins);
    }
    this.maxNumBins = maxNumBins;
  }

  private LowestCollapsingStore(LowestCollapsingStore from) {
    this.maxNumBins = from.maxNumBins;
    this.offset = from.offset;
    this.minIndex = from.minIndex;
    this.maxIndex = from.maxIndex;
    this.counts = from.counts == null ? null : from.counts.clone();
    this.collapsing =
        from.collapsing == null ? null : (CollapsingLowestDenseStore) from.collapsing.copy();
  }

  @Override
  public void add(int index) {
    add(index, 1.0);
  }

  @Override
  public void add(int index, long count) {
    add(index, (double) count);
  }

  @Override
  public void add(Bin bin) {
    add(bin.getIndex(), bin.getCount());
  }

  @Override
  public void add(int index, double count) {
    if (count < 0) {
      throw new IllegalArgumentException("The count cannot be negative.");
    }
    if (count == 0) {
      return;
    }
    if (collapsing == null
        && (counts == null || index < offset || index - offset >= counts.length)) {
      makeRoom(Math.min(index, minIndex), Math.max(index, maxIndex));
    }
    if (collapsing != null) {
      collapsing.add(index, count);
      return;
    }
    counts[index - offset] += count;
    if (index < minIndex) {
      minIndex = index;
    }
    if (index > maxIndex) {
      maxIndex = index;
    }
  }

  /**
   * Makes the array hold [{@code low}, {@code high}], moving the bins into a new array centred on
   * that range with headroom; or hands everything to the collapsing store when the range is wider
   * than the bin limit.
   */
  private void makeRoom(int low, int high) {
    long range = (long) high - low + 1;
    if (range > maxNumBins) {
      CollapsingLowestDenseStore all = new CollapsingLowestDenseStore(maxNumBins);
      forEach(all::add);
      collapsing = all;
      counts = null;
      minIndex = Integer.MAX_VALUE;
      maxIndex = Integer.MIN_VALUE;
      return;
    }
    long wanted = range + range / 2;
    long length = counts == null ? INITIAL_BINS : counts.length;
    while (length < wanted) {
      length *= 2;
    }
    length = Math.max(range, Math.min(length, maxNumBins));
    int newOffset = (int) (low - (length - range) / 2);
    double[] moved = new double[(int) length];
    if (!isEmpty()) {
      System.arraycopy(
          counts, minIndex - offset, moved, minIndex - newOffset, maxIndex - minIndex + 1);
    }
    counts = moved;
    offset = newOffset;
  }

  @Override
  public void mergeWith(Store store) {
    if (store instanceof LowestCollapsingStore other && other.collapsing == null) {
      if (other.isEmpty()) {
        return;
      }
      if (collapsing == null
          && (counts == null
              || other.minIndex < offset
              || other.maxIndex - offset >= counts.length)) {
        makeRoom(Math.min(other.minIndex, minIndex), Math.max(other.maxIndex, maxIndex));
      }
      for (int i = other.minIndex; i <= other.maxIndex; i++) {
        double c = other.counts[i - other.offset];
        if (c != 0) {
          add(i, c);
        }
      }
      return;
    }
    if (store instanceof LowestCollapsingStore other) {
      other.collapsing.forEach(this::add);
      return;
    }
    store.forEach(this::add);
  }

  @Override
  public Store copy() {
    return new LowestCollapsingStore(this);
  }

  @Override
  public void clear() {
    counts = null;
    offset = 0;
    minIndex = Integer.MAX_VALUE;
    maxIndex = Integer.MIN_VALUE;
    collapsing = null;
  }

  @Override
  public boolean isEmpty() {
    return collapsing != null ? collapsing.isEmpty() : maxIndex < minIndex;
  }

  @Override
  public double getTotalCount() {
    if (collapsing != null) {
      return collapsing.getTotalCount();
    }
    double total = 0;
    for (int i = minIndex; i <= maxIndex; i++) {
      total += counts[i - offset];
    }
    return total;
  }

  @Override
  public int getMinIndex() {
    if (collapsing != null) {
      return collapsing.getMinIndex();
    }
    if (isEmpty()) {
      throw new NoSuchElementException();
    }
    return minIndex;
  }

  @Override
  public int getMaxIndex() {
    if (collapsing != null) {
      return collapsing.getMaxIndex();
    }
    if (isEmpty()) {
      throw new NoSuchElementException();
    }
    return maxIndex;
  }

  @Override
  public void forEach(BinAcceptor acceptor) {
    if (collapsing != null) {
      collapsing.forEach(acceptor);
      return;
    }
    for (int i = minIndex; i <= maxIndex; i++) {
      double c = counts[i - offset];
      if (c != 0) {
        acceptor.accept(i, c);
      }
    }
  }

  @Override
  public Iterator<Bin> getAscendingIterator() {
    if (collapsing != null) {
      return collapsing.getAscendingIterator();
    }
    return new BinIterator(true);
  }

  @Override
  public Iterator<Bin> getDescendingIterator() {
    if (collapsing != null) {
      return collapsing.getDescendingIterator();
    }
    return new BinIterator(false);
  }

  /** The non-empty bins in one direction. */
  private final class BinIterator implements Iterator<Bin> {
    private final int step;
    private int next;

    BinIterator(boolean ascending) {
      step = ascending ? 1 : -1;
      next = ascending ? minIndex : maxIndex;
      skipEmpty();
    }

    private boolean inRange(int i) {
      return i >= minIndex && i <= maxIndex;
    }

    private void skipEmpty() {
      while (inRange(next) && counts[next - offset] == 0) {
        next += step;
      }
    }

    @Override
    public boolean hasNext() {
      return !isEmpty() && inRange(next);
    }

    @Override
    public Bin next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      Bin bin = new Bin(next, counts[next - offset]);
      next += step;
      skipEmpty();
      return bin;
    }
  }

  @Override
  public void encode(Output output, Flag.Type storeFlagType) throws IOException {
    if (collapsing != null) {
      collapsing.encode(output, storeFlagType);
      return;
    }
    if (isEmpty()) {
      return;
    }
    long bins = (long) maxIndex - minIndex + 1;
    long contiguousSize =
        VarEncodingHelper.unsignedVarLongEncodedLength(bins)
            + VarEncodingHelper.signedVarLongEncodedLength(minIndex)
            + VarEncodingHelper.signedVarLongEncodedLength(1);
    long deltasSize = 0;
    long nonEmpty = 0;
    long previous = 0;
    for (int i = minIndex; i <= maxIndex; i++) {
      double c = counts[i - offset];
      int countSize = VarEncodingHelper.varDoubleEncodedLength(c);
      contiguousSize += countSize;
      if (c != 0) {
        nonEmpty++;
        deltasSize += VarEncodingHelper.signedVarLongEncodedLength(i - previous) + countSize;
        previous = i;
      }
    }
    if (contiguousSize <= deltasSize) {
      BinEncodingMode.CONTIGUOUS_COUNTS.toFlag(storeFlagType).encode(output);
      VarEncodingHelper.encodeUnsignedVarLong(output, bins);
      VarEncodingHelper.encodeSignedVarLong(output, minIndex);
      VarEncodingHelper.encodeSignedVarLong(output, 1);
      for (int i = minIndex; i <= maxIndex; i++) {
        VarEncodingHelper.encodeVarDouble(output, counts[i - offset]);
      }
    } else {
      BinEncodingMode.INDEX_DELTAS_AND_COUNTS.toFlag(storeFlagType).encode(output);
      VarEncodingHelper.encodeUnsignedVarLong(output, nonEmpty);
      previous = 0;
      for (int i = minIndex; i <= maxIndex; i++) {
        double c = counts[i - offset];
        if (c != 0) {
          VarEncodingHelper.encodeSignedVarLong(output, i - previous);
          VarEncodingHelper.encodeVarDouble(output, c);
          previous = i;
        }
      }
    }
  }
}
