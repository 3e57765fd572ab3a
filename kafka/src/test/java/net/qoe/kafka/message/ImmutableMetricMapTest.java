package net.qoe.kafka.message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.AbstractMap.SimpleImmutableEntry;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * {@link ImmutableMetricMap} keeps the {@link Map} contract, iterates in the order of a {@code
 * TreeMap} and resolves a repeated name as successive {@code put}s do.
 */
class ImmutableMetricMapTest {

  /** The names deliberately out of order, one value null, arrays longer than the size. */
  private static ImmutableMetricMap httpMetrics() {
    return ImmutableMetricMap.of(
        new String[] {"total_ms", "dns_ms", "status", "connect_ms", "ignored"},
        new Double[] {42.5, null, 200.0, 1.25, 7.0},
        4);
  }

  private static TreeMap<String, Double> httpTreeMap() {
    TreeMap<String, Double> m = new TreeMap<>();
    m.put("total_ms", 42.5);
    m.put("dns_ms", null);
    m.put("status", 200.0);
    m.put("connect_ms", 1.25);
    return m;
  }

  @Test
  void looksUpByNameWithNullValuesKept() {
    ImmutableMetricMap m = httpMetrics();
    assertThat(m.size()).isEqualTo(4);
    assertThat(m.isEmpty()).isFalse();
    assertThat(m.get("total_ms")).isEqualTo(42.5);
    assertThat(m.get("connect_ms")).isEqualTo(1.25);
    assertThat(m.get("status")).isEqualTo(200.0);
    assertThat(m.get("dns_ms")).isNull();
    assertThat(m.containsKey("dns_ms")).isTrue();
    assertThat(m.getOrDefault("dns_ms", 1.0)).isNull();
    assertThat(m.getOrDefault("tls_ms", 1.0)).isEqualTo(1.0);
    for (Object absent : new Object[] {"ignored", "tls_ms", "", "zzz", "a", null, 42}) {
      assertThat(m.get(absent)).isNull();
      assertThat(m.containsKey(absent)).isFalse();
    }
    assertThat(m.containsValue(null)).isTrue();
    assertThat(m.containsValue(200.0)).isTrue();
    assertThat(m.containsValue(7.0)).isFalse();
  }

  @Test
  void iteratesInTheOrderOfATreeMap() {
    ImmutableMetricMap m = httpMetrics();
    TreeMap<String, Double> expected = httpTreeMap();
    assertThat(new ArrayList<>(m.keySet())).isEqualTo(new ArrayList<>(expected.keySet()));
    assertThat(new ArrayList<>(m.values())).isEqualTo(new ArrayList<>(expected.values()));
    assertThat(new ArrayList<>(m.entrySet())).isEqualTo(new ArrayList<>(expected.entrySet()));
    List<String> seen = new ArrayList<>();
    m.forEach((k, v) -> seen.add(k + "=" + v));
    assertThat(seen)
        .containsExactly("connect_ms=1.25", "dns_ms=null", "status=200.0", "total_ms=42.5");
    assertThat(m.keySet()).isEqualTo(expected.keySet()).contains("dns_ms").doesNotContain("x");
    assertThat(m.entrySet())
        .isEqualTo(expected.entrySet())
        .contains(new SimpleImmutableEntry<>("dns_ms", null))
        .doesNotContain(new SimpleImmutableEntry<>("dns_ms", 0.0));
  }

  @Test
  void equalsAndHashesLikeATreeMapOrHashMapWithTheSameMappings() {
    ImmutableMetricMap m = httpMetrics();
    TreeMap<String, Double> tree = httpTreeMap();
    HashMap<String, Double> hash = new HashMap<>(tree);
    assertThat(m).isEqualTo(tree).isEqualTo(hash);
    assertThat(tree).isEqualTo(m);
    assertThat(hash).isEqualTo(m);
    assertThat(m.hashCode()).isEqualTo(tree.hashCode()).isEqualTo(hash.hashCode());
    assertThat(m.toString()).isEqualTo(tree.toString());
    assertThat(m).isEqualTo(ImmutableMetricMap.copyOf(hash));

    HashMap<String, Double> valueNotNull = new HashMap<>(tree);
    valueNotNull.put("dns_ms", 0.0);
    HashMap<String, Double> nullUnderAnotherName = new HashMap<>(tree);
    nullUnderAnotherName.remove("dns_ms");
    nullUnderAnotherName.put("tls_ms", null);
    HashMap<String, Double> oneMore = new HashMap<>(tree);
    oneMore.put("bytes", 1.0);
    for (Map<String, Double> other : List.of(valueNotNull, nullUnderAnotherName, oneMore)) {
      assertThat(m).isNotEqualTo(other);
      assertThat(other).isNotEqualTo(m);
      assertThat(m).isNotEqualTo(ImmutableMetricMap.copyOf(other));
    }
    assertThat(m).isNotEqualTo(Map.of(1, 2, 3, 4, 5, 6, 7, 8)); // another key type, same size
    assertThat(m).isNotEqualTo(List.of());
  }

  @Test
  void sortsNamesGivenOutOfOrderWhetherFewOrMany() {
    Random r = new Random(7);
    for (int n : new int[] {2, 3, 31, 32, 33, 200}) {
      List<String> names = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        names.add("m" + i);
      }
      Collections.shuffle(names, r);
      Map<String, Double> expected = new TreeMap<>();
      Double[] values = new Double[n];
      for (int i = 0; i < n; i++) {
        values[i] = i % 5 == 0 ? null : (double) i;
        expected.put(names.get(i), values[i]);
      }
      ImmutableMetricMap m = ImmutableMetricMap.of(names.toArray(new String[0]), values, n);
      assertThat(m).isEqualTo(expected);
      assertThat(new ArrayList<>(m.entrySet())).isEqualTo(new ArrayList<>(expected.entrySet()));
      for (String name : names) {
        assertThat(m.containsKey(name)).isTrue();
        assertThat(m.get(name)).isEqualTo(expected.get(name));
      }
    }
  }

  @Test
  void aRepeatedNameKeepsItsLastValueAsSuccessivePutsDo() {
    ImmutableMetricMap m =
        ImmutableMetricMap.of(
            new String[] {"b", "a", "b", "c", "a", "b"},
            new Double[] {1.0, 2.0, null, 4.0, 5.0, 6.0},
            6);
    assertThat(m.size()).isEqualTo(3); // how a decoder tells that a name was repeated
    assertThat(m).isEqualTo(Map.of("a", 5.0, "b", 6.0, "c", 4.0));
    assertThat(new ArrayList<>(m.keySet())).containsExactly("a", "b", "c");

    ImmutableMetricMap lastIsNull =
        ImmutableMetricMap.of(new String[] {"a", "a"}, new Double[] {1.0, null}, 2);
    assertThat(lastIsNull.size()).isEqualTo(1);
    assertThat(lastIsNull.containsKey("a")).isTrue();
    assertThat(lastIsNull.get("a")).isNull();

    // the same through the sort for many entries, against a TreeMap fed the same puts
    Random r = new Random(11);
    int n = 500;
    String[] names = new String[n];
    Double[] values = new Double[n];
    TreeMap<String, Double> expected = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      names[i] = "m" + r.nextInt(100);
      values[i] = r.nextInt(4) == 0 ? null : (double) i;
      expected.put(names[i], values[i]);
    }
    ImmutableMetricMap many = ImmutableMetricMap.of(names, values, n);
    assertThat(many.size()).isEqualTo(expected.size());
    assertThat(new ArrayList<>(many.entrySet())).isEqualTo(new ArrayList<>(expected.entrySet()));
  }

  @Test
  void emptyIsEqualToEveryEmptyMap() {
    for (ImmutableMetricMap empty :
        List.of(
            ImmutableMetricMap.of(),
            ImmutableMetricMap.of(new String[3], new Double[3], 0),
            ImmutableMetricMap.copyOf(new HashMap<>()))) {
      assertThat(empty).isEmpty();
      assertThat(empty.size()).isZero();
      assertThat(empty).isEqualTo(Map.of()).isEqualTo(new TreeMap<>());
      assertThat(Map.of()).isEqualTo(empty);
      assertThat(empty.hashCode()).isZero();
      assertThat(empty.toString()).isEqualTo("{}");
      assertThat(empty.get("a")).isNull();
      assertThat(empty.entrySet().iterator().hasNext()).isFalse();
    }
  }

  @Test
  void rejectsANullNameAndASizeOutsideTheArrays() {
    assertThatThrownBy(
            () -> ImmutableMetricMap.of(new String[] {"a", null}, new Double[] {1.0, 2.0}, 2))
        .isInstanceOf(NullPointerException.class);
    Map<String, Double> nullKey = new HashMap<>();
    nullKey.put(null, 1.0);
    assertThatThrownBy(() -> ImmutableMetricMap.copyOf(nullKey))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> ImmutableMetricMap.of(new String[2], new Double[1], 2))
        .isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> ImmutableMetricMap.of(new String[1], new Double[1], -1))
        .isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void copyOfKeepsAnImmutableMetricMapAndCopiesAnythingElse() {
    ImmutableMetricMap m = httpMetrics();
    assertThat(ImmutableMetricMap.copyOf(m)).isSameAs(m);
    Map<String, Double> source = new LinkedHashMap<>(httpTreeMap());
    ImmutableMetricMap copy = ImmutableMetricMap.copyOf(source);
    source.put("total_ms", 0.0);
    source.put("bytes", 1.0);
    assertThat(copy).isEqualTo(httpTreeMap());
  }

  @Test
  void everyMutatorOfTheMapThrowsEvenWhenItWouldChangeNothing() {
    for (ImmutableMetricMap m : List.of(httpMetrics(), ImmutableMetricMap.of())) {
      List<Consumer<Map<String, Double>>> mutators =
          List.of(
              x -> x.put("a", 1.0),
              x -> x.putAll(Map.of()),
              x -> x.remove("absent"),
              x -> x.remove("absent", 1.0),
              Map::clear,
              x -> x.putIfAbsent("status", 1.0),
              x -> x.replace("absent", 1.0),
              x -> x.replace("absent", 1.0, 2.0),
              x -> x.replaceAll((k, v) -> v),
              x -> x.computeIfAbsent("status", k -> 1.0),
              x -> x.computeIfPresent("absent", (k, v) -> v),
              x -> x.compute("a", (k, v) -> v),
              x -> x.merge("a", 1.0, Double::sum));
      for (Consumer<Map<String, Double>> mutator : mutators) {
        assertThatThrownBy(() -> mutator.accept(m))
            .isInstanceOf(UnsupportedOperationException.class);
      }
    }
  }

  @Test
  void everyCallOnAViewThatWouldChangeTheMapThrows() {
    ImmutableMetricMap m = httpMetrics();
    List<Consumer<Map<String, Double>>> mutators =
        List.of(
            x -> x.keySet().add("a"),
            x -> x.keySet().remove("status"),
            x -> x.keySet().removeAll(List.of("status")),
            x -> x.keySet().retainAll(List.of()),
            x -> x.keySet().removeIf(k -> true),
            x -> x.keySet().clear(),
            x -> x.entrySet().add(new SimpleImmutableEntry<>("a", 1.0)),
            x -> x.entrySet().remove(new SimpleImmutableEntry<>("status", 200.0)),
            x -> x.entrySet().removeIf(e -> true),
            x -> x.entrySet().clear(),
            x -> x.entrySet().iterator().next().setValue(0.0),
            x -> x.values().remove(42.0),
            x -> x.values().clear());
    for (Consumer<Map<String, Double>> mutator : mutators) {
      assertThatThrownBy(() -> mutator.accept(m)).isInstanceOf(UnsupportedOperationException.class);
    }
    Iterator<String> names = m.keySet().iterator();
    names.next();
    assertThatThrownBy(names::remove).isInstanceOf(UnsupportedOperationException.class);
    assertThat(m).isEqualTo(httpTreeMap());
  }
}
