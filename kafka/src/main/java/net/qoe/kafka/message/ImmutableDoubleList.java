package net.qoe.kafka.message;

import java.io.Serializable;
import java.util.AbstractList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.RandomAccess;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * An immutable {@code List<Double>} over the first {@code size} slots of an array it owns; {@code
 * null} elements are allowed and kept (a lost packet in {@link Measurement#rttMs()}).
 *
 * <p>{@link Measurement} keeps a list of this class as it is and copies any other list into one, so
 * a decoder that builds its values in an array hands them over with {@link #of(Double[], int)}
 * without a second copy. It is a plain {@link List}: {@code equals}, {@code hashCode} and {@code
 * toString} are those of the {@link List} contract, so it is equal to an {@code ArrayList} with the
 * same elements in the same order. Every mutator throws {@link UnsupportedOperationException},
 * whether or not the call would change anything. Thread-safe.
 */
public final class ImmutableDoubleList extends AbstractList<Double>
    implements RandomAccess, Serializable {

  private static final long serialVersionUID = 1L;

  private static final ImmutableDoubleList EMPTY = new ImmutableDoubleList(new Double[0], 0);

  private final Double[] values;
  private final int size;

  private ImmutableDoubleList(Double[] values, int size) {
    this.values = values;
    this.size = size;
  }

  /**
   * A list of {@code values[0..size)}, taking ownership of the array: it is not copied, so the
   * caller must not change it afterwards (slots from {@code size} on are never read).
   *
   * @throws IndexOutOfBoundsException if {@code size} is negative or beyond the array
   */
  public static ImmutableDoubleList of(Double[] values, int size) {
    Objects.checkFromIndexSize(0, size, values.length);
    return size == 0 ? EMPTY : new ImmutableDoubleList(values, size);
  }

  /** The empty list. */
  public static ImmutableDoubleList of() {
    return EMPTY;
  }

  /**
   * {@code list} itself when it is an {@code ImmutableDoubleList}, otherwise a copy of its elements
   * in iteration order (the defensive copy {@link Measurement} makes of any other list).
   *
   * @throws ArrayStoreException if an element is not a {@link Double} (heap pollution)
   */
  public static ImmutableDoubleList copyOf(Collection<? extends Double> list) {
    if (list instanceof ImmutableDoubleList l) {
      return l;
    }
    // toArray: one consistent snapshot, even of a synchronized or concurrent list
    Double[] copy = list.toArray(new Double[0]);
    return of(copy, copy.length);
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public Double get(int index) {
    Objects.checkIndex(index, size);
    return values[index];
  }

  @Override
  public int indexOf(Object o) {
    for (int i = 0; i < size; i++) {
      if (Objects.equals(o, values[i])) {
        return i;
      }
    }
    return -1;
  }

  @Override
  public int lastIndexOf(Object o) {
    for (int i = size - 1; i >= 0; i--) {
      if (Objects.equals(o, values[i])) {
        return i;
      }
    }
    return -1;
  }

  @Override
  public boolean contains(Object o) {
    return indexOf(o) >= 0;
  }

  @Override
  public Iterator<Double> iterator() {
    return new ArrayIterator<>(values, size);
  }

  @Override
  public Spliterator<Double> spliterator() {
    return Spliterators.spliterator(values, 0, size, Spliterator.ORDERED | Spliterator.IMMUTABLE);
  }

  @Override
  public void forEach(Consumer<? super Double> action) {
    Objects.requireNonNull(action);
    for (int i = 0; i < size; i++) {
      action.accept(values[i]);
    }
  }

  @Override
  public Object[] toArray() {
    return Arrays.copyOf(values, size, Object[].class);
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> T[] toArray(T[] a) {
    if (a.length < size) {
      return (T[]) Arrays.copyOf(values, size, a.getClass());
    }
    System.arraycopy(values, 0, a, 0, size);
    if (a.length > size) {
      a[size] = null;
    }
    return a;
  }

  @Override
  public boolean equals(Object o) {
    if (o == this) {
      return true;
    }
    if (o instanceof ImmutableDoubleList l) {
      return Arrays.equals(values, 0, size, l.values, 0, l.size);
    }
    return super.equals(o);
  }

  @Override
  public int hashCode() {
    int h = 1;
    for (int i = 0; i < size; i++) {
      h = 31 * h + Objects.hashCode(values[i]);
    }
    return h;
  }

  // --- every mutator throws, as Collections.unmodifiableList and List.of do -------------------

  @Override
  public boolean add(Double e) {
    throw unsupported();
  }

  @Override
  public void add(int index, Double element) {
    throw unsupported();
  }

  @Override
  public boolean addAll(Collection<? extends Double> c) {
    throw unsupported();
  }

  @Override
  public boolean addAll(int index, Collection<? extends Double> c) {
    throw unsupported();
  }

  @Override
  public Double set(int index, Double element) {
    throw unsupported();
  }

  @Override
  public Double remove(int index) {
    throw unsupported();
  }

  @Override
  public boolean remove(Object o) {
    throw unsupported();
  }

  @Override
  public boolean removeAll(Collection<?> c) {
    throw unsupported();
  }

  @Override
  public boolean retainAll(Collection<?> c) {
    throw unsupported();
  }

  @Override
  public boolean removeIf(Predicate<? super Double> filter) {
    throw unsupported();
  }

  @Override
  public void replaceAll(UnaryOperator<Double> operator) {
    throw unsupported();
  }

  @Override
  public void sort(Comparator<? super Double> c) {
    throw unsupported();
  }

  @Override
  public void clear() {
    throw unsupported();
  }

  @Override
  protected void removeRange(int fromIndex, int toIndex) {
    throw unsupported();
  }

  static UnsupportedOperationException unsupported() {
    return new UnsupportedOperationException("immutable");
  }
}
