package net.qoe.probe.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class TestTypeConfigTest {

  @Test
  void fillsTheDefaultsOfTheNewTestTypes() {
    ProbeConfig config =
        ProbeConfig.fromYaml(
                """
                probe_id: p
                targets:
                  - name: web
                    host: example.com
                    tests: [tls, ping, extended_ping, port_scan]
                  - name: resolver
                    host: 127.0.0.1
                    tests: [{type: dns, query: example.com}]
                  - name: this-host
                    tests: [system]
                """)
            .build();

    List<TestSpec> web = config.target("web").tests();
    assertThat(web.get(0).port()).isEqualTo(443);
    assertThat(web.get(1).packets()).isEqualTo(TestSpec.DEFAULT_PING_PACKETS);
    assertThat(web.get(2).packets()).isEqualTo(TestSpec.DEFAULT_EXTENDED_PING_PACKETS);
    assertThat(web.get(3).ports()).isEqualTo(TestSpec.DEFAULT_SCAN_PORTS);
    TestSpec dns = config.target("resolver").tests().get(0);
    assertThat(dns.port()).isEqualTo(53);
    assertThat(dns.recordType()).isEqualTo("A");
    assertThat(config.target("this-host").tests().get(0).type()).isEqualTo("system");
  }

  @Test
  void reportsEveryBadOptionOfTheNewTestTypes() {
    assertThatThrownBy(
            () ->
                ProbeConfig.fromYaml(
                        """
                        probe_id: p
                        targets:
                          - name: resolver
                            tests:
                              - {type: dns, record_type: MX}
                              - {type: port_scan, ports: [22, 70000]}
                              - {type: ping, packets: 0, url: "http://x/"}
                        """)
                    .build())
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(e.problems())
                    .contains(
                        "targets[0].tests[0].query: required (the name to look up)",
                        "targets[0].tests[0].record_type: must be A or AAAA (got \"MX\")",
                        "targets[0].tests[1].ports: 70000 is not a port (1-65535)",
                        "targets[0].tests[2].packets: must be 1-1000 (got 0)")
                    .anySatisfy(
                        p ->
                            assertThat(p)
                                .startsWith("targets[0].tests[2].url: not an option of ping tests"))
                    .anySatisfy(
                        p ->
                            assertThat(p).startsWith("targets[0].host: required by the dns test")));
  }

  @Test
  void postgresAndIperf3TakeTheirPortsAndUrlFromTheTarget() {
    ProbeConfig config =
        ProbeConfig.fromYaml(
                """
                probe_id: p
                targets:
                  - name: db
                    host: db.internal
                    tests: [postgres]
                  - name: db2
                    host: db.internal
                    port: 6432
                    tests: [postgres, iperf3]
                  - name: explicit
                    tests: [{type: postgres, url: "postgresql://10.0.0.5:5433/app"}]
                  - name: bw
                    host: 10.0.0.9
                    tests: [iperf3]
                """)
            .build();

    assertThat(config.target("db").tests().get(0).url())
        .isEqualTo("jdbc:postgresql://db.internal:5432/postgres");
    assertThat(config.target("db2").tests().get(0).url())
        .isEqualTo("jdbc:postgresql://db.internal:6432/postgres");
    assertThat(config.target("explicit").tests().get(0).url())
        .isEqualTo("postgresql://10.0.0.5:5433/app");
    assertThat(config.target("bw").tests().get(0).port()).isEqualTo(TestSpec.DEFAULT_IPERF3_PORT);
  }

  @Test
  void aBadPostgresUrlIsReportedWithItsPasswordHidden() {
    assertThatThrownBy(
            () ->
                ProbeConfig.fromYaml(
                        """
                        probe_id: p
                        targets:
                          - name: db
                            tests:
                              - {type: postgres, url: "mysql://u:hunter2@h/db"}
                              - {type: postgres}
                              - {type: postgres, url: "jdbc:postgresql://h/db", ports: [1]}
                        """)
                    .build())
        .isInstanceOfSatisfying(
            ConfigException.class,
            e -> {
              assertThat(e.problems())
                  .contains(
                      "targets[0].tests[0].url: must be jdbc:postgresql://host:port/db or"
                          + " postgresql://host:port/db (got \"mysql://u:***@h/db\")",
                      "targets[0].tests[1].url: required (jdbc:postgresql://host:port/db), or a"
                          + " host on the target");
              assertThat(e.problems())
                  .anySatisfy(p -> assertThat(p).startsWith("targets[0].tests[2].ports"));
              assertThat(String.join("\n", e.problems())).doesNotContain("hunter2");
            });
  }
}
