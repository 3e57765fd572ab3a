package net.qoe.probe.autoperf;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.qoe.probe.config.AutoPerfSettings;
import net.qoe.probe.config.AutoPerfSettings.SuiteTest;
import net.qoe.probe.config.AutoPerfSettings.TierSuite;
import net.qoe.probe.config.TargetConfig;
import net.qoe.probe.config.TestSpec;
import net.qoe.probe.tests.BandwidthTest;
import net.qoe.probe.tests.Iperf3Test;
import net.qoe.probe.tests.PacketCaptureTest;
import net.qoe.probe.tests.ProbeTest;
import net.qoe.probe.tests.ProbeTests;
import net.qoe.probe.tests.TracerouteTest;

/**
 * Turns a tier's suite into runnable tests for one target, taking hosts, ports and URLs from the
 * target's own configuration: the http test's URL, the tls test's port (or the https URL's), the
 * bandwidth test's sink port. The seed's iperf3_quick/iperf3_full measure with iperf3 when the
 * target has an iperf3 test (it runs an iperf3 server), else against the responder's TCP sink. A
 * suite test that cannot apply to the target (ssl_check on a target without TLS) is left out with
 * the reason, rather than run to fail every time.
 */
public final class SuitePlanner {

  /** One test of a suite, ready to run against its target. */
  public record Planned(String name, ProbeTest test, TargetConfig target, TestSpec spec) {}

  /** What will run, and what was left out with why. */
  public record Plan(List<Planned> tests, Map<String, String> notApplicable) {}

  private final AutoPerfSettings settings;
  private final ProbeTests tests;

  public SuitePlanner(AutoPerfSettings settings, ProbeTests tests) {
    this.settings = settings;
    this.tests = tests;
  }

  /**
   * @param only the command's list of tests: when some of them are in the suite, only those run
   */
  public Plan plan(TargetConfig target, int tier, List<String> only) {
    TierSuite suite = settings.suite(tier);
    List<Planned> out = new ArrayList<>();
    Map<String, String> skipped = new LinkedHashMap<>();
    if (suite == null) {
      return new Plan(out, skipped);
    }
    if (!suite.enabled()) {
      skipped.put("tier" + tier, "tier " + tier + " is disabled in this probe's configuration");
      return new Plan(out, skipped);
    }
    List<SuiteTest> entries = suite.tests();
    if (only != null && !only.isEmpty()) {
      List<SuiteTest> chosen = entries.stream().filter(e -> only.contains(e.name())).toList();
      if (!chosen.isEmpty()) {
        entries = chosen;
      }
    }
    for (SuiteTest entry : entries) {
      try {
        Planned p = plan(target, suite, entry);
        out.add(p);
      } catch (NotApplicable e) {
        skipped.put(entry.name(), e.getMessage());
      }
    }
    return new Plan(out, skipped);
  }

  private Planned plan(TargetConfig target, TierSuite suite, SuiteTest e) throws NotApplicable {
    int timeout = e.timeoutMs() != null ? e.timeoutMs() : suite.testTimeoutMs();
    String host = host(target);
    String type = e.type();
    TestSpec spec = TestSpec.ofType(type).withIntervalS(suite.intervalS()).withTimeoutMs(timeout);
    ProbeTest test;
    switch (type) {
      case TestSpec.HTTP -> {
        TestSpec http = first(target, TestSpec.HTTP);
        String url =
            http != null ? http.url() : host == null ? null : "http://" + hostPort(target) + "/";
        if (url == null) {
          throw new NotApplicable("the target has neither an http test nor a host");
        }
        spec =
            (http != null ? http : TestSpec.http(url))
                .withIntervalS(suite.intervalS())
                .withTimeoutMs(timeout);
        test = standard(TestSpec.HTTP);
      }
      case TestSpec.TLS -> {
        requireHost(host);
        Integer port = e.port() != null ? e.port() : tlsPort(target);
        if (port == null) {
          throw new NotApplicable(
              "the target has no TLS endpoint in its configuration (no tls test, no https URL)");
        }
        spec = spec.withPort(port);
        test = standard(TestSpec.TLS);
      }
      case TestSpec.BANDWIDTH -> {
        requireHost(host);
        TestSpec configured = first(target, TestSpec.BANDWIDTH);
        TestSpec iperf3 = first(target, TestSpec.IPERF3);
        double seconds =
            e.durationS() != null ? e.durationS() : e.name().equals("iperf3_full") ? 60 : 10;
        Duration sendFor = Duration.ofMillis(Math.round(seconds * 1000));
        if (configured == null && iperf3 != null) {
          // the target runs an iperf3 server (it has an iperf3 test): measure with iperf3 itself
          int port =
              e.port() != null
                  ? e.port()
                  : iperf3.port() != null ? iperf3.port() : TestSpec.DEFAULT_IPERF3_PORT;
          long needed = Math.max(1000, sendFor.toMillis()) + 5000;
          spec =
              TestSpec.ofType(TestSpec.IPERF3)
                  .withIntervalS(suite.intervalS())
                  .withPort(port)
                  .withTimeoutMs((int) Math.max(timeout, needed));
          // the seed's tier-3 bandwidth test is bidirectional
          test = new Iperf3Test("iperf3", sendFor, e.name().equals("iperf3_full"));
          break;
        }
        int port =
            e.port() != null
                ? e.port()
                : configured != null && configured.port() != null
                    ? configured.port()
                    : TestSpec.DEFAULT_BANDWIDTH_PORT;
        // the test sends for at most half its budget, then waits for the sink's count
        long needed = sendFor.toMillis() * 2 + 2000;
        spec = spec.withPort(port).withTimeoutMs((int) Math.max(timeout, needed));
        // the seed's tier-3 bandwidth test is bidirectional
        test = new BandwidthTest(sendFor, e.name().equals("iperf3_full"));
      }
      case TestSpec.PORT_SCAN -> {
        requireHost(host);
        spec = spec.withPorts(e.ports() != null ? e.ports() : scanPorts(target));
        test = standard(TestSpec.PORT_SCAN);
      }
      case TestSpec.PING, TestSpec.EXTENDED_PING -> {
        requireHost(host);
        int packets =
            e.packets() != null
                ? e.packets()
                : type.equals(TestSpec.PING)
                    ? TestSpec.DEFAULT_PING_PACKETS
                    : TestSpec.DEFAULT_EXTENDED_PING_PACKETS;
        spec = spec.withPackets(packets);
        test = standard(type);
      }
      case TestSpec.TRACEROUTE -> {
        requireHost(host);
        int cycles = e.cycles() != null ? e.cycles() : e.name().equals("mtr_extended") ? 100 : 10;
        test = new TracerouteTest(cycles);
      }
      case TestSpec.TCP -> {
        requireHost(host);
        Integer port = e.port() != null ? e.port() : target.port();
        if (port == null) {
          port = urlPort(first(target, TestSpec.HTTP));
        }
        if (port == null) {
          throw new NotApplicable("the target has no port for tcp_connect");
        }
        spec = spec.withPort(port);
        test = standard(TestSpec.TCP);
      }
      case TestSpec.SYSTEM -> test = standard(TestSpec.SYSTEM);
      case PacketCaptureTest.NAME -> {
        requireHost(host);
        if (!settings.packetCapture()) {
          throw new NotApplicable("packet capture is off (autoperf.packet_capture: false)");
        }
        test = new PacketCaptureTest("tcpdump", Duration.ofSeconds(30));
      }
      case TestSpec.SCRIPT -> {
        if (e.script() == null) {
          throw new NotApplicable(
              "no custom tests: list them as {name: ..., script: ..., timeout: ...}");
        }
        spec = spec.withScript(e.script()).withThreshold(e.threshold());
        test = standard(TestSpec.SCRIPT);
      }
      default -> throw new NotApplicable("this probe has no " + type + " test");
    }
    TargetConfig runAgainst = new TargetConfig(target.name(), host, target.port(), List.of(spec));
    return new Planned(e.name(), test, runAgainst, spec);
  }

  private ProbeTest standard(String type) throws NotApplicable {
    return tests
        .get(type)
        .orElseThrow(() -> new NotApplicable("this probe has no " + type + " test"));
  }

  private static void requireHost(String host) throws NotApplicable {
    if (host == null) {
      throw new NotApplicable("the target has no host");
    }
  }

  private static TestSpec first(TargetConfig target, String type) {
    return target.tests().stream()
        .filter(t -> t != null && type.equals(t.type()))
        .findFirst()
        .orElse(null);
  }

  /** The target's host, or the host of its http test's URL. */
  static String host(TargetConfig target) {
    if (target.host() != null) {
      return target.host();
    }
    TestSpec http = first(target, TestSpec.HTTP);
    if (http != null && http.url() != null) {
      try {
        String h = URI.create(http.url()).getHost();
        return h != null && h.startsWith("[") ? h.substring(1, h.length() - 1) : h;
      } catch (IllegalArgumentException e) {
        return null;
      }
    }
    return null;
  }

  private static String hostPort(TargetConfig target) {
    return TargetConfig.hostPort(host(target), target.port());
  }

  private static Integer tlsPort(TargetConfig target) {
    TestSpec tls = first(target, TestSpec.TLS);
    if (tls != null && tls.port() != null) {
      return tls.port();
    }
    for (TestSpec t : target.tests()) {
      if (t != null && TestSpec.HTTP.equals(t.type()) && t.url() != null) {
        URI uri = URI.create(t.url());
        if ("https".equalsIgnoreCase(uri.getScheme())) {
          return uri.getPort() > 0 ? uri.getPort() : TestSpec.DEFAULT_TLS_PORT;
        }
      }
    }
    return null;
  }

  private static Integer urlPort(TestSpec http) {
    if (http == null || http.url() == null) {
      return null;
    }
    URI uri = URI.create(http.url());
    return uri.getPort() > 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
  }

  /** The common service ports plus every port this target's configuration mentions. */
  private static List<Integer> scanPorts(TargetConfig target) {
    Set<Integer> ports = new LinkedHashSet<>(TestSpec.DEFAULT_SCAN_PORTS);
    if (target.port() != null) {
      ports.add(target.port());
    }
    for (TestSpec t : target.tests()) {
      if (t == null) {
        continue;
      }
      if (t.port() != null && !TestSpec.UDP.equals(t.type())) {
        ports.add(t.port());
      }
      if (TestSpec.HTTP.equals(t.type())) {
        Integer p = urlPort(t);
        if (p != null) {
          ports.add(p);
        }
      }
    }
    return List.copyOf(ports);
  }

  static final class NotApplicable extends Exception {
    private static final long serialVersionUID = 1L;

    NotApplicable(String message) {
      super(message, null, false, false);
    }
  }
}
