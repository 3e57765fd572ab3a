package net.qoe.kafka.message;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.qoe.kafka.serde.MessageSerde;
import org.junit.jupiter.api.Test;

/** What the constructor of {@link Measurement} keeps as it is and what it copies. */
class MeasurementTest {

  private static Measurement udp(List<Double> rttMs, Map<String, Double> metrics) {
    return new Measurement(
        1,
        "ev-1",
        "probe-1",
        "echo",
        "udp",
        1,
        1_767_225_600_000L,
        true,
        null,
        rttMs,
        3,
        2,
        metrics);
  }

  private static ImmutableDoubleList rtts() {
    return ImmutableDoubleList.of(new Double[] {1.5, null, 3.0}, 3);
  }

  private static ImmutableMetricMap metrics() {
    return ImmutableMetricMap.of(
        new String[] {"loss_pct", "jitter_ms", "rtt_avg_ms"}, new Double[] {33.3, null, 2.25}, 3);
  }

  @Test
  void keepsTheImmutableContainersByIdentity() {
    ImmutableDoubleList rtts = rtts();
    ImmutableMetricMap metrics = metrics();
    Measurement m = udp(rtts, metrics);
    assertThat(m.rttMs()).isSameAs(rtts);
    assertThat(m.metrics()).isSameAs(metrics);
    Measurement promoted = m.withTier(2);
    assertThat(promoted.rttMs()).isSameAs(rtts);
    assertThat(promoted.metrics()).isSameAs(metrics);
  }

  @Test
  void copiesAnyOtherListOrMapSoThatChangingItLaterChangesNothing() {
    List<Double> rtts = new ArrayList<>(Arrays.asList(1.5, null, 3.0));
    Map<String, Double> metrics = new TreeMap<>();
    metrics.put("loss_pct", 33.3);
    metrics.put("jitter_ms", null);
    metrics.put("rtt_avg_ms", 2.25);
    Measurement m = udp(rtts, metrics);
    assertThat(m.rttMs()).isNotSameAs(rtts).isInstanceOf(ImmutableDoubleList.class);
    assertThat(m.metrics()).isNotSameAs(metrics).isInstanceOf(ImmutableMetricMap.class);

    rtts.set(0, 99.0);
    rtts.add(4.0);
    metrics.put("loss_pct", 0.0);
    metrics.remove("jitter_ms");
    metrics.put("bytes", 1.0);

    assertThat(m.rttMs()).containsExactly(1.5, null, 3.0);
    assertThat(m.metrics()).containsOnlyKeys("jitter_ms", "loss_pct", "rtt_avg_ms");
    assertThat(m.metric("loss_pct")).isEqualTo(33.3);
    assertThat(m.metrics().get("jitter_ms")).isNull();
    assertThat(m).isEqualTo(udp(rtts(), metrics()));
  }

  @Test
  void equalsWhateverContainersItWasBuiltWith() {
    Measurement immutable = udp(rtts(), metrics());
    Map<String, Double> hash = new HashMap<>();
    hash.put("rtt_avg_ms", 2.25);
    hash.put("jitter_ms", null);
    hash.put("loss_pct", 33.3);
    Measurement plain = udp(Arrays.asList(1.5, null, 3.0), hash);
    assertThat(immutable).isEqualTo(plain);
    assertThat(plain).isEqualTo(immutable);
    assertThat(immutable.hashCode()).isEqualTo(plain.hashCode());
    assertThat(immutable.toString()).isEqualTo(plain.toString());
    assertThat(new ArrayList<>(plain.metrics().keySet()))
        .containsExactly("jitter_ms", "loss_pct", "rtt_avg_ms");
    assertThat(immutable).isNotEqualTo(udp(Arrays.asList(1.5, 3.0, null), hash));
  }

  @Test
  void noRttsStayNullAndNoMetricsAreTheEmptyMap() {
    Measurement m = udp(null, null);
    assertThat(m.rttMs()).isNull();
    assertThat(m.metrics()).isEmpty();
    assertThat(m).isEqualTo(udp(null, Map.of()));
  }

  @Test
  void aDecodedMeasurementHoldsTheContainersAndEqualsOneBuiltFromPlainCollections()
      throws Exception {
    Map<String, Double> metrics = new HashMap<>();
    metrics.put("rtt_avg_ms", 2.25);
    metrics.put("jitter_ms", null);
    metrics.put("loss_pct", 33.3);
    Measurement plain = udp(new ArrayList<>(Arrays.asList(1.5, null, 3.0)), metrics);
    MessageSerde<Measurement> serde = MessageSerde.MEASUREMENT;
    // names out of order and a null value, as another writer might send them (ours leaves out
    // null metrics and writes the names sorted)
    String json =
        "{\"schema\":1,\"event_id\":\"ev-1\",\"probe_id\":\"probe-1\",\"target\":\"echo\","
            + "\"test\":\"udp\",\"tier\":1,\"ts_ms\":1767225600000,\"ok\":true,"
            + "\"rtt_ms\":[1.5,null,3.0],\"sent\":3,\"received\":2,"
            + "\"metrics\":{\"rtt_avg_ms\":2.25,\"jitter_ms\":null,\"loss_pct\":33.3}}";
    Measurement decoded = serde.fromBytes(json.getBytes(StandardCharsets.UTF_8));
    assertThat(decoded).isEqualTo(plain);
    assertThat(decoded.rttMs()).isInstanceOf(ImmutableDoubleList.class);
    assertThat(decoded.metrics()).isInstanceOf(ImmutableMetricMap.class);
    assertThat(new ArrayList<>(decoded.metrics().keySet()))
        .containsExactly("jitter_ms", "loss_pct", "rtt_avg_ms");
    // our writer leaves null metrics out; the rest comes back the same, byte for byte
    Measurement written =
        udp(Arrays.asList(1.5, null, 3.0), Map.of("loss_pct", 33.3, "rtt_avg_ms", 2.25));
    Measurement reread = serde.fromBytes(serde.toBytes(decoded));
    assertThat(reread).isEqualTo(written);
    assertThat(serde.toJson(reread))
        .isEqualTo(serde.toJson(decoded))
        .isEqualTo(serde.toJson(plain));
  }
}
