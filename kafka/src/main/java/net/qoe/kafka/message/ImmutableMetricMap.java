package net.qoe.kafka.message;

import static net.qoe.kafka.message.ImmutableDoubleList.unsupported;

import java.io.Serializable;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * An immutable {@code Map<String, Double>} over two parallel arrays it owns, the names sorted in
 * natural {@link String} order (the iteration order of a {@code TreeMap}); {@code null} values are
 * allowed and kept, {@code null} names are not. Lookups are a binary search, and iterating the
 * entries, names or values is a walk over the arrays.
 *
 * <p>{@link Measurement} keeps a map of this class as it is and copies any other map into one, so a
 * decoder that collects the metrics of a record in arrays hands them over with {@link #of(String[],
 * Double[], int)} without a second copy. {@code equals}, {@code hashCode} and {@code toString} are
 * those of the {@link Map} contract, so it is equal to a {@code TreeMap} or {@code HashMap} with
 * the same mappings. Every mutator of the map throws {@link UnsupportedOperationException}, whether
 * or not the call would change anything, and so does every call on one of its views that would
 * change it. Thread-safe.
 */
public final class ImmutableMetricMap extends AbstractMap<String, Double> implements Serializable {

  private static final long serialVersionUID = 1L;

  /** Up to this many entries {@link #of} sorts in place by insertion; above, by a merge sort. */
  private static final int INSERTION_SORT_MAX = 32;

  private static final ImmutableMetricMap EMPTY =
      new ImmutableMetricMap(new String[0], new Double[0], 0);

  private final String[] names;
  private final Double[] values;
  private final int size;

  private ImmutableMetricMap(String[] names, Double[] values, int size) {
    this.names = names;
    this.values = values;
    this.size = size;
  }

  /**
   * The map of {@code names[i] -> values[i]} for {@code i < size}, taking ownership of both arrays:
   * they are not copied, and may be reordered in place, so the caller must not use them afterwards.
   * Names in strictly ascending order (the usual case: a writer of this contract serializes a
   * sorted map) cost one pass of comparisons; otherwise they are sorted here, stably.
   *
   * <p>A name given more than once keeps the value of its last occurrence, as successive {@code
   * put}s into a map do; {@link #size()} then tells how many distinct names there were, for a
   * caller that treats a duplicate as an error.
   *
   * @throws NullPointerException if a name among the first {@code size} is null
   * @throws IndexOutOfBoundsException if {@code size} is negative or beyond either array
   */
  public static ImmutableMetricMap of(String[] names, Double[] values, int size) {
    Objects.checkFromIndexSize(0, size, names.length);
    Objects.checkFromIndexSize(0, size, values.length);
    if (size == 0) {
      return EMPTY;
    }
    for (int i = 0; i < size; i++) {
      Objects.requireNonNull(names[i], "a metric name is null");
    }
    int i = 1;
    while (i < size && names[i - 1].compareTo(names[i]) < 0) {
      i++;
    }
    if (i < size) {
      sortStably(names, values, size);
      size = keepLastOfEqualNames(names, values, size);
    }
    return new ImmutableMetricMap(names, values, size);
  }

  /** The empty map. */
  public static ImmutableMetricMap of() {
    return EMPTY;
  }

  /**
   * {@code map} itself when it is an {@code ImmutableMetricMap}, otherwise a copy of its mappings
   * (the defensive copy {@link Measurement} makes of any other map). Like {@code new
   * TreeMap<>(map)}, a null name throws {@link NullPointerException}.
   */
  public static ImmutableMetricMap copyOf(Map<String, ? extends Double> map) {
    if (map instanceof ImmutableMetricMap m) {
      return m;
    }
    int n = map.size();
    String[] names = new String[n];
    Double[] values = new Double[n];
    int i = 0;
    for (Map.Entry<String, ? extends Double> e : map.entrySet()) {
      if (i == names.length) { // a map that grew while being copied
        names = Arrays.copyOf(names, 2 * i + 1);
        values = Arrays.copyOf(values, names.length);
      }
      names[i] = e.getKey();
      values[i] = e.getValue();
      i++;
    }
    return of(names, values, i);
  }

  /** Stable, so that of equal names the last given stays last. */
  private static void sortStably(String[] names, Double[] values, int size) {
    if (size <= INSERTION_SORT_MAX) {
      for (int i = 1; i < size; i++) {
        String name = names[i];
        Double value = values[i];
        int j = i - 1;
        while (j >= 0 && names[j].compareTo(name) > 0) {
          names[j + 1] = names[j];
          values[j + 1] = values[j];
          j--;
        }
        names[j + 1] = name;
        values[j + 1] = value;
      }
      return;
    }
    // A record with many metrics: positions sorted by name with the JDK's stable merge sort.
    Integer[] order = new Integer[size];
    Arrays.setAll(order, k -> k);
    Arrays.sort(order, Comparator.comparing(k -> names[k]));
    String[] sortedNames = permuted(names, order, String[]::new);
    Double[] sortedValues = permuted(values, order, Double[]::new);
    System.arraycopy(sortedNames, 0, names, 0, size);
    System.arraycopy(sortedValues, 0, values, 0, size);
  }

  private static <T> T[] permuted(T[] a, Integer[] order, IntFunction<T[]> newArray) {
    T[] out = newArray.apply(order.length);
    for (int k = 0; k < order.length; k++) {
      out[k] = a[order[k]];
    }
    return out;
  }

  /** Compacts sorted arrays to one entry per name, the last of each run; returns the new size. */
  private static int keepLastOfEqualNames(String[] names, Double[] values, int size) {
    int out = 0;
    for (int i = 0; i < size; i++) {
      if (out > 0 && names[out - 1].equals(names[i])) {
        out--; // a later value of the same name replaces the earlier one
      }
      names[out] = names[i];
      values[out] = values[i];
      out++;
    }
    return out;
  }

  /** The position of {@code key} in the names, or -1. */
  private int indexOf(Object key) {
    if (!(key instanceof String name)) {
      return -1;
    }
    int lo = 0;
    int hi = size - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      int c = names[mid].compareTo(name);
      if (c < 0) {
        lo = mid + 1;
      } else if (c > 0) {
        hi = mid - 1;
      } else {
        return mid;
      }
    }
    return -1;
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public Double get(Object key) {
    int i = indexOf(key);
    return i < 0 ? null : values[i];
  }

  @Override
  public Double getOrDefault(Object key, Double defaultValue) {
    int i = indexOf(key);
    return i < 0 ? defaultValue : values[i];
  }

  @Override
  public boolean containsKey(Object key) {
    return indexOf(key) >= 0;
  }

  @Override
  public boolean containsValue(Object value) {
    return values().contains(value);
  }

  @Override
  public void forEach(BiConsumer<? super String, ? super Double> action) {
    Objects.requireNonNull(action);
    for (int i = 0; i < size; i++) {
      action.accept(names[i], values[i]);
    }
  }

  /** The names in ascending order. */
  @Override
  public Set<String> keySet() {
    return new View<>() {
      @Override
      public Iterator<String> iterator() {
        return new ArrayIterator<>(names, size);
      }

      @Override
      public boolean contains(Object o) {
        return containsKey(o);
      }
    };
  }

  /** The values in the order of their names; a list, over the same array. */
  @Override
  public Collection<Double> values() {
    return ImmutableDoubleList.of(values, size);
  }

  /** The entries in the order of their names; each is an immutable snapshot entry. */
  @Override
  public Set<Map.Entry<String, Double>> entrySet() {
    return new View<>() {
      @Override
      public Iterator<Map.Entry<String, Double>> iterator() {
        return new Iterator<>() {
          private int next;

          @Override
          public boolean hasNext() {
            return next < size;
          }

          @Override
          public Map.Entry<String, Double> next() {
            if (next >= size) {
              throw new NoSuchElementException();
            }
            int i = next++;
            return new SimpleImmutableEntry<>(names[i], values[i]);
          }
        };
      }

      @Override
      public boolean contains(Object o) {
        if (!(o instanceof Map.Entry<?, ?> e)) {
          return false;
        }
        int i = indexOf(e.getKey());
        return i >= 0 && Objects.equals(values[i], e.getValue());
      }
    };
  }

  @Override
  public boolean equals(Object o) {
    if (o == this) {
      return true;
    }
    if (o instanceof ImmutableMetricMap m) {
      // both sorted by name: equal mappings are equal arrays
      return Arrays.equals(names, 0, size, m.names, 0, m.size)
          && Arrays.equals(values, 0, size, m.values, 0, m.size);
    }
    if (!(o instanceof Map<?, ?> m) || m.size() != size) {
      return false;
    }
    try {
      for (int i = 0; i < size; i++) {
        Double v = values[i];
        Object other = m.get(names[i]);
        if (v == null ? other != null || !m.containsKey(names[i]) : !v.equals(other)) {
          return false;
        }
      }
    } catch (ClassCastException | NullPointerException e) {
      return false; // a map that cannot hold such a key, as AbstractMap.equals
    }
    return true;
  }

  @Override
  public int hashCode() {
    int h = 0;
    for (int i = 0; i < size; i++) {
      h += names[i].hashCode() ^ Objects.hashCode(values[i]);
    }
    return h;
  }

  // --- every mutator throws, as Collections.unmodifiableMap and Map.of do ---------------------

  @Override
  public Double put(String key, Double value) {
    throw unsupported();
  }

  @Override
  public void putAll(Map<? extends String, ? extends Double> m) {
    throw unsupported();
  }

  @Override
  public Double remove(Object key) {
    throw unsupported();
  }

  @Override
  public boolean remove(Object key, Object value) {
    throw unsupported();
  }

  @Override
  public void clear() {
    throw unsupported();
  }

  @Override
  public Double putIfAbsent(String key, Double value) {
    throw unsupported();
  }

  @Override
  public boolean replace(String key, Double oldValue, Double newValue) {
    throw unsupported();
  }

  @Override
  public Double replace(String key, Double value) {
    throw unsupported();
  }

  @Override
  public void replaceAll(BiFunction<? super String, ? super Double, ? extends Double> function) {
    throw unsupported();
  }

  @Override
  public Double computeIfAbsent(
      String key, Function<? super String, ? extends Double> mappingFunction) {
    throw unsupported();
  }

  @Override
  public Double computeIfPresent(
      String key, BiFunction<? super String, ? super Double, ? extends Double> remappingFunction) {
    throw unsupported();
  }

  @Override
  public Double compute(
      String key, BiFunction<? super String, ? super Double, ? extends Double> remappingFunction) {
    throw unsupported();
  }

  @Override
  public Double merge(
      String key,
      Double value,
      BiFunction<? super Double, ? super Double, ? extends Double> remappingFunction) {
    throw unsupported();
  }

  /**
   * A read-only set view of the map. Its mutators are {@link AbstractSet}'s: {@code add} throws,
   * and every removal goes through the iterator's {@code remove}, which throws, so any call that
   * would change the map throws {@link UnsupportedOperationException} (one that finds nothing to
   * remove returns false, as the {@link Collection} contract allows).
   */
  private abstract class View<E> extends AbstractSet<E> {

    @Override
    public int size() {
      return size;
    }
  }
}
