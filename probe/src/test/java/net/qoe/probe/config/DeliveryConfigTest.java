package net.qoe.probe.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DeliveryConfigTest {

  private static final String TARGETS =
      "targets:\n  - {name: db, host: 127.0.0.1, port: 5432, tests: [tcp]}\n";

  @Test
  void readsSpoolAndStatusSettings() {
    ProbeConfig config =
        ProbeConfig.fromYaml(
                "probe_id: p\n"
                    + "spool: {dir: /var/lib/qoe-probe/spool, max_bytes: 1048576}\n"
                    + "status: {port: 9465}\n"
                    + TARGETS)
            .build();

    assertThat(config.spool()).isEqualTo(new SpoolSettings("/var/lib/qoe-probe/spool", 1048576));
    assertThat(config.status()).isEqualTo(new StatusSettings(9465, "127.0.0.1"));
  }

  @Test
  void withoutThemThereIsNoSpoolAndNoStatusServer() {
    ProbeConfig config = ProbeConfig.fromYaml("probe_id: p\n" + TARGETS).build();

    assertThat(config.spool()).isNull();
    assertThat(config.status()).isNull();
  }

  @Test
  void reportsEveryBadDeliveryField() {
    assertThatThrownBy(
            () ->
                ProbeConfig.fromYaml(
                        "probe_id: p\n"
                            + "spool: {max_bytes: 10, size: 3}\n"
                            + "status: {port: 70000}\n"
                            + TARGETS)
                    .build())
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(e.problems())
                    .anySatisfy(p -> assertThat(p).startsWith("spool.size: "))
                    .anySatisfy(p -> assertThat(p).startsWith("spool.dir: required"))
                    .anySatisfy(p -> assertThat(p).startsWith("spool.max_bytes: must be at least"))
                    .anySatisfy(p -> assertThat(p).startsWith("status.port: must be 0-65535")));
  }
}
