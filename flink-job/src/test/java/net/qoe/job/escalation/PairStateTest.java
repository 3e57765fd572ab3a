package net.qoe.job.escalation;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

class PairStateTest {

  private final PairState.Serializer serializer = new PairState.Serializer();

  @Test
  void fastStreaksRoundTrip() throws Exception {
    PairState s = new PairState();
    s.tier = 1;
    s.cooldownUntilMs = 42;
    s.expiresMs = 99;
    s.lastReason = "why";
    s.degraded.put("http", 7L);
    assertThat(s.fastBreach("http", 1_000, 0)).isEqualTo(1);
    assertThat(s.fastBreach("tcp", 2_000, 0)).isEqualTo(2);
    assertThat(s.fastBreach("http", 3_000, 0)).isEqualTo(3);

    PairState back = roundTrip(s);
    assertThat(back.fastStreaks).containsOnlyKeys("http", "tcp");
    assertThat(back.fastStreaks.get("http").breaches).isEqualTo(2);
    assertThat(back.fastStreaks.get("http").lastBreachMs).isEqualTo(3_000);
    assertThat(back.fastStreaks.get("tcp").breaches).isEqualTo(1);
    assertThat(back.expiresMs).isEqualTo(99);
    assertThat(back.lastReason).isEqualTo("why");
    assertThat(back.degraded).containsEntry("http", 7L);
    // the streak goes on from where it was
    assertThat(back.fastBreach("tcp", 4_000, 0)).isEqualTo(4);
    assertThat(back.fastHealthy("http")).isTrue();
    assertThat(back.fastHealthy("http")).isFalse();
    assertThat(back.fastBreach("udp", 5_000, 0)).isEqualTo(3);
  }

  @Test
  void stateWrittenBeforePerTestStreaksStillReads() throws Exception {
    // the layout of the version with one fast streak per pair
    DataOutputSerializer out = stateHeader();
    out.writeInt(2); // the pair's fast streak
    out.writeLong(15); // expires
    out.writeUTF("old reason");
    out.writeInt(1);
    out.writeUTF("dns");
    out.writeLong(16);

    PairState s =
        serializer.deserialize(new DataInputDeserializer(out.getSharedBuffer(), 0, out.length()));
    assertThat(s.tier).isEqualTo(2);
    assertThat(s.cooldownUntilMs).isEqualTo(14);
    assertThat(s.fastStreaks).isEmpty();
    assertThat(s.expiresMs).isEqualTo(15);
    assertThat(s.lastReason).isEqualTo("old reason");
    assertThat(s.degraded).containsEntry("dns", 16L);
    // the last breaching and healthy starts become those starts' verdicts
    assertThat(s.verdicts.verdict(12)).isEqualTo(WindowVerdicts.BREACH);
    assertThat(s.verdicts.verdict(13)).isEqualTo(WindowVerdicts.HEALTHY);
  }

  @Test
  void stateWrittenBeforeTheTier1OnlyWindowStillReads() throws Exception {
    // the layout of the version before it: the degraded tests last, counted from 0
    DataOutputSerializer out = stateHeader();
    out.writeInt(-2); // one per-test fast streak
    out.writeUTF("tcp");
    out.writeInt(3);
    out.writeLong(17);
    out.writeLong(15); // expires
    out.writeUTF("reason");
    out.writeInt(2);
    out.writeUTF("dns");
    out.writeLong(16);
    out.writeUTF("http");
    out.writeLong(18);

    PairState s =
        serializer.deserialize(new DataInputDeserializer(out.getSharedBuffer(), 0, out.length()));
    assertThat(s.fastStreaks.get("tcp").breaches).isEqualTo(3);
    assertThat(s.degraded).containsEntry("dns", 16L).containsEntry("http", 18L);
    assertThat(s.verdicts.verdict(12)).isEqualTo(WindowVerdicts.BREACH);
  }

  @Test
  void stateWrittenWithTheTier1OnlyWindowStillReads() throws Exception {
    // layout 2: the degraded tests counted as -1 - n, then the last tier-1-only start
    DataOutputSerializer out = stateHeader();
    out.writeInt(-1); // no per-test fast streak
    out.writeLong(15); // expires
    out.writeUTF("reason");
    out.writeInt(-2);
    out.writeUTF("http");
    out.writeLong(18);
    out.writeLong(20); // last tier-1-only start

    PairState s =
        serializer.deserialize(new DataInputDeserializer(out.getSharedBuffer(), 0, out.length()));
    assertThat(s.tier).isEqualTo(2);
    assertThat(s.degraded).containsOnlyKeys("http");
    assertThat(s.verdicts.verdict(20)).isEqualTo(WindowVerdicts.DEGRADED);
    assertThat(s.verdicts.verdict(12)).isEqualTo(WindowVerdicts.BREACH);
    // and the state goes on: a breach right after the tier-1-only start starts a new streak
    s.breach(21, "bandwidth", "thin");
    assertThat(s.breachStreak).isEqualTo(1);
    // layout 3 from then on
    PairState back = roundTrip(s);
    assertThat(back.verdicts.verdict(21)).isEqualTo(WindowVerdicts.BREACH);
    assertThat(back.expiresMs).isEqualTo(15);
  }

  @Test
  void verdictsRoundTripAndATier1OnlyStartBreaksATier2StreakOnlyBetweenStarts() throws Exception {
    PairState s = new PairState();
    s.enter(2, 0);
    s.breach(100, "bandwidth", "thin");
    s.tier1Only(100, "http", "slow"); // same start: no break
    s.degraded.remove("http");
    PairState back = roundTrip(s);
    assertThat(back.verdicts.verdict(100)).isEqualTo(WindowVerdicts.BREACH);
    assertThat(back.degraded).containsOnlyKeys("bandwidth");
    back.breach(200, "bandwidth", "thin");
    assertThat(back.breachStreak).isEqualTo(2);
    back.tier1Only(300, "http", "slow"); // a start of its own: breaks
    back.breach(400, "bandwidth", "thin");
    assertThat(back.breachStreak).isEqualTo(1);
    back.breach(200, "bandwidth", "thinner"); // 200 again: counted once
    assertThat(back.breachStreak).isEqualTo(2);
  }

  @Test
  void startsUpToTheNewestSeenDoNotCountAfterAChangeOfTier() throws Exception {
    PairState s = new PairState();
    s.healthy(100, "http", 0);
    s.breach(200, "http", "slow");
    s.enter(2, 5_000);
    s.healthy(100, "http", 0);
    s.healthy(200, "http", 0);
    assertThat(s.healthyStreak).isZero();
    s.breach(150, "http", "slow");
    assertThat(s.breachStreak).isZero();
    s.healthy(300, "http", 0);
    PairState back = roundTrip(s);
    assertThat(back.healthyStreak).isEqualTo(1);
    back.healthy(200, "http", 0);
    back.healthy(400, "http", 0);
    assertThat(back.healthyStreak).isEqualTo(2);
  }

  @Test
  void onlyTheNewestStartsAreKept() {
    WindowVerdicts v = new WindowVerdicts();
    for (int i = 0; i < WindowVerdicts.CAPACITY + 10; i++) {
      assertThat(v.record(i, WindowVerdicts.HEALTHY)).isTrue();
    }
    assertThat(v.verdict(9)).isEqualTo((byte) -1);
    assertThat(v.record(5, WindowVerdicts.BREACH)).isFalse();
    assertThat(v.newestRun(WindowVerdicts.HEALTHY)).isEqualTo(WindowVerdicts.CAPACITY);
    assertThat(v.record(70, WindowVerdicts.BREACH)).isTrue();
    assertThat(v.runAround(70)).isEqualTo(1);
    assertThat(v.runAround(60)).isEqualTo(69 - 10 + 1);
  }

  @Test
  void enteringATierClearsTheFastStreaks() {
    PairState s = new PairState();
    s.fastBreach("http", 1_000, 0);
    s.enter(2, 5_000);
    assertThat(s.fastStreaks).isEmpty();
    assertThat(s.fastBreach("http", 6_000, 0)).isEqualTo(1);
  }

  /** The fields every layout so far begins with: tier 2, streaks and windows 11-14. */
  private static DataOutputSerializer stateHeader() throws Exception {
    DataOutputSerializer out = new DataOutputSerializer(128);
    out.writeInt(2); // tier
    out.writeLong(11); // entered
    out.writeInt(1); // breach streak
    out.writeLong(12); // last breach window
    out.writeInt(0); // healthy streak
    out.writeLong(13); // last healthy window
    out.writeLong(14); // cooldown until
    return out;
  }

  private PairState roundTrip(PairState s) throws Exception {
    DataOutputSerializer out = new DataOutputSerializer(128);
    serializer.serialize(s, out);
    return serializer.deserialize(
        new DataInputDeserializer(out.getSharedBuffer(), 0, out.length()));
  }
}
