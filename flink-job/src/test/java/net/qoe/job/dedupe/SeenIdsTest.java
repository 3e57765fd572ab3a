package net.qoe.job.dedupe;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/** {@link SeenIds} against a plain map doing the same puts, lookups and expiries. */
class SeenIdsTest {

  @Test
  void behavesLikeAMapOfIdsToExpiries() throws Exception {
    Random r = new Random(11);
    SeenIds ids = new SeenIds();
    Map<Tuple2<Long, Long>, Long> model = new HashMap<>();
    long now = 1_000;
    for (int step = 0; step < 200_000; step++) {
      // few distinct high/low values so that ids collide in one half and hash alike
      long high = r.nextInt(3) == 0 ? r.nextInt(4) : r.nextLong();
      long low = r.nextInt(3) == 0 ? r.nextInt(4) : r.nextLong();
      if (r.nextInt(4) == 0 && !model.isEmpty()) {
        Tuple2<Long, Long> known = model.keySet().iterator().next();
        high = known.f0;
        low = known.f1;
      }
      Tuple2<Long, Long> key = Tuple2.of(high, low);
      Long expected = model.get(key);
      assertThat(ids.contains(high, low)).isEqualTo(expected != null);
      assertThat(ids.expiryOf(high, low)).isEqualTo(expected == null ? SeenIds.ABSENT : expected);
      long expiresAt = now + r.nextInt(5_000);
      ids.put(high, low, expiresAt);
      model.put(key, expiresAt);
      assertThat(ids.size()).isEqualTo(model.size());
      now += r.nextInt(3);
      if (step % 5_000 == 0) {
        long cutoff = now;
        long next = ids.removeExpired(cutoff);
        model.values().removeIf(e -> e <= cutoff);
        assertThat(next)
            .isEqualTo(
                model.values().stream().mapToLong(Long::longValue).min().orElse(Long.MAX_VALUE));
        assertThat(ids.size()).isEqualTo(model.size());
        assertThat(roundTrip(ids)).isEqualTo(ids);
        assertThat(ids.copy()).isEqualTo(ids);
      }
    }
    for (Map.Entry<Tuple2<Long, Long>, Long> e : model.entrySet()) {
      assertThat(ids.expiryOf(e.getKey().f0, e.getKey().f1)).isEqualTo(e.getValue());
    }
  }

  @Test
  void aCopyIsIndependent() {
    SeenIds ids = new SeenIds();
    ids.put(1, 2, 10);
    SeenIds copy = ids.copy();
    copy.put(3, 4, 20);
    ids.put(1, 2, 30);
    assertThat(ids.contains(3, 4)).isFalse();
    assertThat(copy.expiryOf(1, 2)).isEqualTo(10);
  }

  @Test
  void emptiesCompletely() throws Exception {
    SeenIds ids = new SeenIds();
    for (int i = 0; i < 1000; i++) {
      ids.put(i, -i, i);
    }
    assertThat(ids.removeExpired(999)).isEqualTo(Long.MAX_VALUE);
    assertThat(ids.isEmpty()).isTrue();
    assertThat(roundTrip(ids)).isEqualTo(new SeenIds());
  }

  private static SeenIds roundTrip(SeenIds ids) throws Exception {
    SeenIds.Serializer serializer = new SeenIds.Serializer();
    DataOutputSerializer out = new DataOutputSerializer(64);
    serializer.serialize(ids, out);
    return serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
  }
}
