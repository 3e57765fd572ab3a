package net.qoe.probe.tests;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The test types a probe can run, by name. */
public final class ProbeTests {

  private final Map<String, ProbeTest> byName;

  private ProbeTests(Map<String, ProbeTest> byName) {
    this.byName = Map.copyOf(byName);
  }

  /** The built-in tests. */
  public static ProbeTests standard() {
    return of(
        new HttpTest(),
        new TcpConnectTest(),
        new UdpPingTest(),
        new TlsTest(),
        new DnsTest(),
        new PortScanTest(),
        new SystemTest(),
        new PingTest(PingTest.PING),
        new PingTest(PingTest.EXTENDED_PING),
        new ScriptTest(),
        new TracerouteTest(),
        new BandwidthTest(),
        new Iperf3Test(),
        new PostgresTest());
  }

  public static ProbeTests of(ProbeTest... tests) {
    Map<String, ProbeTest> byName = new LinkedHashMap<>();
    for (ProbeTest test : tests) {
      if (byName.put(test.name(), test) != null) {
        throw new IllegalArgumentException("two tests are named " + test.name());
      }
    }
    return new ProbeTests(byName);
  }

  /** A copy with {@code test} added, or replacing the test of the same name. */
  public ProbeTests with(ProbeTest test) {
    Map<String, ProbeTest> copy = new LinkedHashMap<>(byName);
    copy.put(test.name(), test);
    return new ProbeTests(copy);
  }

  public Optional<ProbeTest> get(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  public Set<String> names() {
    return byName.keySet();
  }

  public Collection<ProbeTest> all() {
    return byName.values();
  }
}
