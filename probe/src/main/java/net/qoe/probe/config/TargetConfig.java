package net.qoe.probe.config;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * Something measured, and the tests run against it.
 *
 * @param name the target id carried by every measurement (e.g. "web-1"); defaults to host:port
 * @param host host name or IP address; the http test may take its host from its URL instead
 * @param port default port for the tests that need one (tcp, udp)
 * @param tests what to run against it
 */
public record TargetConfig(String name, String host, Integer port, List<TestSpec> tests) {

  public TargetConfig {
    // Nulls are kept so validation can point at them (an unreadable YAML entry is a null).
    tests = tests == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(tests));
  }

  public static TargetConfig of(String name, String host, Integer port, TestSpec... tests) {
    return new TargetConfig(name, host, port, Arrays.asList(tests));
  }

  /** host:port, with IPv6 literals bracketed; just the host when there is no port. */
  public static String hostPort(String host, Integer port) {
    String h = host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
    return port == null ? h : h + ":" + port;
  }
}
