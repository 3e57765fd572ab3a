package net.qoe.kafka.message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.ListIterator;
import java.util.NoSuchElementException;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** {@link ImmutableDoubleList} keeps the {@link List} contract of an {@code ArrayList}. */
class ImmutableDoubleListTest {

  /** 1.5, null, 3.0 over a longer array whose last slot must never show. */
  private static ImmutableDoubleList withLostPacket() {
    return ImmutableDoubleList.of(new Double[] {1.5, null, 3.0, 99.0}, 3);
  }

  private static List<Double> arrayList(Double... values) {
    return new ArrayList<>(Arrays.asList(values));
  }

  @Test
  void holdsTheFirstSizeSlotsInOrderWithNullsKept() {
    ImmutableDoubleList l = withLostPacket();
    assertThat(l).hasSize(3).containsExactly(1.5, null, 3.0);
    assertThat(l.get(1)).isNull();
    assertThat(l.isEmpty()).isFalse();
    assertThat(l.contains(null)).isTrue();
    assertThat(l.contains(99.0)).isFalse();
    assertThat(l.indexOf(null)).isEqualTo(1);
    assertThat(l.indexOf(3.0)).isEqualTo(2);
    assertThat(l.lastIndexOf(1.5)).isZero();
    assertThat(l.indexOf(99.0)).isEqualTo(-1);
    assertThat(l.toArray()).containsExactly(1.5, null, 3.0);
    assertThat(l.toArray(new Double[0])).containsExactly(1.5, null, 3.0);
    assertThat(l.toArray(new Double[5])).containsExactly(1.5, null, 3.0, null, null);
    assertThat(l.stream().map(String::valueOf).collect(Collectors.joining(",")))
        .isEqualTo("1.5,null,3.0");
    List<Double> seen = new ArrayList<>();
    l.forEach(seen::add);
    assertThat(seen).containsExactly(1.5, null, 3.0);
    assertThat(l.subList(1, 3)).containsExactly(null, 3.0);
    assertThatThrownBy(() -> l.get(3)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> l.get(-1)).isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void iteratesLikeAnArrayList() {
    Iterator<Double> it = withLostPacket().iterator();
    assertThat(it.next()).isEqualTo(1.5);
    assertThat(it.next()).isNull();
    assertThat(it.next()).isEqualTo(3.0);
    assertThat(it.hasNext()).isFalse();
    assertThatThrownBy(it::next).isInstanceOf(NoSuchElementException.class);
    ListIterator<Double> back = withLostPacket().listIterator(3);
    assertThat(back.previous()).isEqualTo(3.0);
  }

  @Test
  void equalsAndHashesLikeAnArrayListWithTheSameElements() {
    ImmutableDoubleList l = withLostPacket();
    List<Double> same = arrayList(1.5, null, 3.0);
    assertThat(l).isEqualTo(same);
    assertThat(same).isEqualTo(l);
    assertThat(l.hashCode()).isEqualTo(same.hashCode());
    assertThat(l.toString()).isEqualTo(same.toString());
    assertThat(l).isEqualTo(ImmutableDoubleList.of(new Double[] {1.5, null, 3.0}, 3));
    assertThat(l).isNotEqualTo(arrayList(1.5, 3.0, null));
    assertThat(l).isNotEqualTo(arrayList(1.5, null));
    assertThat(l).isNotEqualTo(ImmutableDoubleList.of(new Double[] {1.5, null, 3.0, 99.0}, 4));
    assertThat(l).isNotEqualTo(ImmutableDoubleList.of(new Double[] {1.5, 0.0, 3.0}, 3));
    // Double.equals, as an ArrayList compares: -0.0 is not 0.0, NaN is NaN
    assertThat(ImmutableDoubleList.of(new Double[] {-0.0}, 1)).isNotEqualTo(List.of(0.0));
    assertThat(ImmutableDoubleList.of(new Double[] {Double.NaN}, 1)).isEqualTo(List.of(Double.NaN));
  }

  @Test
  void emptyIsEqualToEveryEmptyList() {
    for (ImmutableDoubleList empty :
        List.of(ImmutableDoubleList.of(), ImmutableDoubleList.of(new Double[4], 0))) {
      assertThat(empty).isEmpty();
      assertThat(empty).isEqualTo(new ArrayList<Double>()).isEqualTo(List.of());
      assertThat(empty.hashCode()).isEqualTo(List.of().hashCode());
      assertThat(empty.toString()).isEqualTo("[]");
      assertThat(empty.iterator().hasNext()).isFalse();
    }
  }

  @Test
  void takesOwnershipOfTheArrayWithoutCopying() {
    Double[] values = {1.0, 2.0};
    ImmutableDoubleList l = ImmutableDoubleList.of(values, 2);
    values[0] = 7.0; // what a caller must not do: shows that nothing was copied
    assertThat(l.get(0)).isEqualTo(7.0);
  }

  @Test
  void rejectsASizeOutsideTheArray() {
    assertThatThrownBy(() -> ImmutableDoubleList.of(new Double[2], 3))
        .isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> ImmutableDoubleList.of(new Double[2], -1))
        .isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void copyOfKeepsAnImmutableDoubleListAndCopiesAnythingElse() {
    ImmutableDoubleList l = withLostPacket();
    assertThat(ImmutableDoubleList.copyOf(l)).isSameAs(l);
    List<Double> source = arrayList(1.5, null, 3.0);
    ImmutableDoubleList copy = ImmutableDoubleList.copyOf(source);
    source.set(0, 8.0);
    source.add(9.0);
    assertThat(copy).containsExactly(1.5, null, 3.0);
  }

  @Test
  void everyMutatorThrowsEvenWhenItWouldChangeNothing() {
    for (ImmutableDoubleList l : List.of(withLostPacket(), ImmutableDoubleList.of())) {
      List<Consumer<List<Double>>> mutators =
          List.of(
              x -> x.add(1.0),
              x -> x.add(0, 1.0),
              x -> x.addAll(List.of()),
              x -> x.addAll(0, List.of()),
              x -> x.set(0, 1.0),
              x -> x.remove(0),
              x -> x.remove((Object) 42.0),
              x -> x.removeAll(List.of()),
              x -> x.retainAll(List.of()),
              x -> x.removeIf(v -> false),
              x -> x.replaceAll(v -> v),
              x -> x.sort(null),
              List::clear);
      for (Consumer<List<Double>> mutator : mutators) {
        assertThatThrownBy(() -> mutator.accept(l))
            .isInstanceOf(UnsupportedOperationException.class);
      }
    }
    ImmutableDoubleList l = withLostPacket();
    Iterator<Double> it = l.iterator();
    it.next();
    assertThatThrownBy(it::remove).isInstanceOf(UnsupportedOperationException.class);
    ListIterator<Double> li = l.listIterator();
    li.next();
    assertThatThrownBy(() -> li.set(2.0)).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> l.subList(0, 2).clear())
        .isInstanceOf(UnsupportedOperationException.class);
    assertThat(l).containsExactly(1.5, null, 3.0);
  }
}
