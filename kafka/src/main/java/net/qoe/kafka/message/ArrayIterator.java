package net.qoe.kafka.message;

import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Iterates {@code array[0..size)}; {@code remove} throws. Final and with no call inside, so that
 * iterating {@link ImmutableDoubleList} or the names of {@link ImmutableMetricMap} costs an array
 * walk wherever it is inlined.
 */
final class ArrayIterator<E> implements Iterator<E> {

  private final E[] array;
  private final int size;
  private int next;

  ArrayIterator(E[] array, int size) {
    this.array = array;
    this.size = size;
  }

  @Override
  public boolean hasNext() {
    return next < size;
  }

  @Override
  public E next() {
    if (next >= size) {
      throw new NoSuchElementException();
    }
    return array[next++];
  }
}
