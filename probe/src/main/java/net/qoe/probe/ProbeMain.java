package net.qoe.probe;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.security.Security;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import net.qoe.kafka.message.Measurement;
import net.qoe.kafka.serde.MessageSerde;
import net.qoe.probe.config.ConfigException;
import net.qoe.probe.config.ProbeConfig;
import net.qoe.probe.config.TargetConfig;
import net.qoe.probe.config.TestSpec;
import net.qoe.probe.responder.Responder;
import net.qoe.probe.responder.TcpSink;
import net.qoe.probe.tests.ProbeTest;
import net.qoe.probe.tests.ProbeTests;
import net.qoe.probe.tests.TestContext;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The command line: {@code run} a probe from a config file, {@code serve} as a responder, or run a
 * test {@code once} and print its measurement. Exit status: 0 success, 1 a failed measurement or a
 * runtime failure, 2 a usage or configuration error.
 */
public final class ProbeMain {

  static final int OK = 0;
  static final int FAILED = 1;
  static final int USAGE = 2;

  static final String USAGE_TEXT =
      """
      usage:
        qoe-probe run --config probe.yml [--bootstrap-servers host:port,...] [--probe-id ID]
            measure the configured targets and publish to Kafka until stopped (Ctrl-C)
        qoe-probe serve [--udp-port 2000] [--tcp-port 2001] [--bind 0.0.0.0]
            answer udp tests (echo) and bandwidth tests (TCP sink) until stopped (Ctrl-C)
        qoe-probe once http|tcp|udp|tls|dns|port_scan|ping|extended_ping|traceroute|bandwidth|
                       iperf3|postgres|script|system
                  URL|HOST[:PORT]|NAME
                  [--timeout-ms 5000] [--insecure-skip-verify] [--probe-id ID]
                  [--query NAME] [--record-type A|AAAA] (dns: HOST is the resolver)
                  [--ports 22,80,443] (port_scan) [--script PATH] (script)
                  postgres: URL is jdbc:postgresql://host:port/db; PGUSER and PGPASSWORD apply
            run one test now and print its measurement as JSON

      environment: AUTOPERF_INTERVAL (default interval, s), QOE_PROBE_ID, QOE_BOOTSTRAP_SERVERS,
        AUTOPERF_ENABLED (obey tier commands), QOE_COMMAND_SECRET (their HMAC secret);
      flags override the environment, which overrides the config file.
      """;

  private final PrintStream out;
  private final PrintStream err;
  private final Map<String, String> env;

  ProbeMain(PrintStream out, PrintStream err, Map<String, String> env) {
    this.out = out;
    this.err = err;
    this.env = env;
  }

  public static void main(String[] args) {
    // Every run should time a real lookup (dns_ms), not the JVM's 30-second cache.
    Security.setProperty("networkaddress.cache.ttl", "0");
    Security.setProperty("networkaddress.cache.negative.ttl", "0");
    int status = new ProbeMain(System.out, System.err, System.getenv()).execute(args);
    if (status != OK) {
      System.exit(status);
    }
  }

  /** Runs a command; run and serve return only when the JVM shuts down. */
  int execute(String[] args) {
    if (args.length == 0) {
      return usage("no command given");
    }
    try {
      return switch (args[0]) {
        case "run" ->
            run(Args.parse(args, Set.of("config", "bootstrap-servers", "probe-id"), Set.of()));
        case "serve" -> serve(Args.parse(args, Set.of("udp-port", "tcp-port", "bind"), Set.of()));
        case "once" ->
            once(
                Args.parse(
                    args,
                    Set.of("timeout-ms", "probe-id", "query", "record-type", "ports", "script"),
                    Set.of("insecure-skip-verify")));
        case "help", "--help", "-h" -> {
          out.print(USAGE_TEXT);
          yield OK;
        }
        default -> usage("unknown command \"" + args[0] + "\"");
      };
    } catch (UsageException e) {
      return usage(e.getMessage());
    } catch (ConfigException e) {
      err.println(e.getMessage());
      return USAGE;
    }
  }

  private int run(Args args) throws UsageException {
    args.expectPositional(0);
    String file = args.required("config");
    ProbeConfig config =
        ProbeConfig.fromYaml(Path.of(file))
            .applyEnv(env)
            .probeId(args.option("probe-id"))
            .bootstrapServers(args.option("bootstrap-servers"))
            .build();
    Probe probe;
    try {
      probe = Probe.withKafka(config).start();
    } catch (KafkaException e) {
      err.println("cannot create the Kafka producer: " + e.getMessage());
      return FAILED;
    }
    log()
        .info(
            "probe {} publishing to {} on {}",
            config.probeId(),
            config.kafka().topic(),
            config.kafka().bootstrapServers());
    if (config.autoperf().enabled()) {
      log()
          .info(
              "autoperf: obeying tier commands from {}{}",
              config.autoperf().commandsTopic(),
              config.autoperf().hasSecret()
                  ? ""
                  : " - but no command secret is set, so every command will be refused");
    }
    awaitShutdown("probe", probe::close);
    return OK;
  }

  private int serve(Args args) throws UsageException {
    args.expectPositional(0);
    int port = args.intOption("udp-port", Responder.DEFAULT_UDP_PORT, 0, 65535);
    int tcpPort = args.intOption("tcp-port", TcpSink.DEFAULT_TCP_PORT, 0, 65535);
    String bind = args.optionOr("bind", "0.0.0.0");
    Responder responder = new Responder(bind, port);
    try {
      responder.start();
    } catch (IOException | IllegalArgumentException e) {
      err.println("cannot listen on udp " + bind + ":" + port + ": " + e.getMessage());
      return FAILED;
    }
    TcpSink sink = new TcpSink(bind, tcpPort);
    try {
      sink.start();
    } catch (IOException | IllegalArgumentException e) {
      err.println("cannot listen on tcp " + bind + ":" + tcpPort + ": " + e.getMessage());
      responder.close();
      return FAILED;
    }
    err.println(
        "responder: UDP echo on "
            + bind
            + ":"
            + responder.udpPort()
            + ", TCP bandwidth sink on "
            + bind
            + ":"
            + sink.port()
            + " (Ctrl-C stops it)");
    awaitShutdown(
        "responder",
        () -> {
          responder.close();
          try {
            sink.close();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    return OK;
  }

  private int once(Args args) throws UsageException {
    args.expectPositional(2);
    String type = args.positional(0);
    String where = args.positional(1);
    if (!TestSpec.TYPES.contains(type)) {
      throw new UsageException(
          "unknown test \"" + type + "\" (known: " + String.join(", ", TestSpec.TYPES) + ")");
    }
    TargetConfig target;
    if (type.equals(TestSpec.HTTP)) {
      String url =
          where.contains("://") ? where : "http://" + where + (where.contains("/") ? "" : "/");
      URI uri = parseUri(url);
      String name =
          uri.getHost() == null ? where : TargetConfig.hostPort(uri.getHost(), portOf(uri));
      target =
          TargetConfig.of(
              name,
              null,
              null,
              TestSpec.http(url).withInsecureSkipVerify(args.flag("insecure-skip-verify")));
    } else if (type.equals(TestSpec.SYSTEM)) {
      target = TargetConfig.of(where, null, null, TestSpec.ofType(type));
    } else if (type.equals(TestSpec.POSTGRES) && where.contains("://")) {
      URI uri = parseUri(where.startsWith("jdbc:") ? where.substring("jdbc:".length()) : where);
      String name =
          uri.getHost() == null
              ? "postgres"
              : TargetConfig.hostPort(
                  uri.getHost(),
                  uri.getPort() > 0 ? uri.getPort() : TestSpec.DEFAULT_POSTGRES_PORT);
      target = TargetConfig.of(name, null, null, TestSpec.ofType(type).withUrl(where));
    } else {
      HostPort hp = HostPort.parse(where);
      TestSpec spec =
          TestSpec.ofType(type)
              .withQuery(args.option("query"))
              .withRecordType(args.option("record-type"))
              .withPorts(ports(args.option("ports")))
              .withScript(args.option("script"));
      target = TargetConfig.of(null, hp.host(), hp.port(), spec);
    }
    ProbeConfig config =
        ProbeConfig.builder()
            .probeId(args.optionOr("probe-id", env.getOrDefault(ProbeConfig.ENV_PROBE_ID, "cli")))
            .defaultTimeoutMs(
                args.intOption("timeout-ms", ProbeConfig.DEFAULT_TIMEOUT_MS, 1, 600_000))
            .target(target)
            .build();
    TargetConfig resolved = config.targets().get(0);
    TestSpec spec = resolved.tests().get(0);
    ProbeTest test = ProbeTests.standard().get(type).orElseThrow();
    Measurement m = test.run(new TestContext(config.probeId(), 1, spec.timeout()), resolved, spec);
    out.println(MessageSerde.MEASUREMENT.toJson(m));
    return m.ok() ? OK : FAILED;
  }

  private static List<Integer> ports(String list) throws UsageException {
    if (list == null) {
      return null;
    }
    List<Integer> ports = new ArrayList<>();
    for (String p : list.split(",")) {
      try {
        ports.add(Integer.parseInt(p.trim()));
      } catch (NumberFormatException e) {
        throw new UsageException("--ports: \"" + p + "\" is not a port number");
      }
    }
    return ports;
  }

  private static void awaitShutdown(String what, Runnable close) {
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  log().info("{}: stopping", what);
                  try {
                    close.run();
                  } finally {
                    stopped.countDown();
                  }
                },
                what + "-shutdown"));
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Looked up when first needed, so that main() can choose the logging setup first. */
  private static Logger log() {
    return LoggerFactory.getLogger(ProbeMain.class);
  }

  private int usage(String problem) {
    err.println("qoe-probe: " + problem);
    err.print(USAGE_TEXT);
    return USAGE;
  }

  private static URI parseUri(String url) throws UsageException {
    try {
      return new URI(url);
    } catch (URISyntaxException e) {
      throw new UsageException("not a URL: " + url);
    }
  }

  private static Integer portOf(URI uri) {
    if (uri.getPort() > 0) {
      return uri.getPort();
    }
    return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
  }

  /** host, host:port, [v6]:port or a bare IPv6 literal. */
  record HostPort(String host, Integer port) {
    static HostPort parse(String s) throws UsageException {
      String host = s;
      String port = null;
      if (s.startsWith("[")) {
        int close = s.indexOf(']');
        if (close < 0) {
          throw new UsageException("not host:port: " + s);
        }
        host = s.substring(1, close);
        if (s.length() > close + 1) {
          if (s.charAt(close + 1) != ':') {
            throw new UsageException("not host:port: " + s);
          }
          port = s.substring(close + 2);
        }
      } else if (s.indexOf(':') >= 0 && s.indexOf(':') == s.lastIndexOf(':')) {
        host = s.substring(0, s.indexOf(':'));
        port = s.substring(s.indexOf(':') + 1);
      }
      if (port == null) {
        return new HostPort(host, null);
      }
      try {
        return new HostPort(host, Integer.parseInt(port));
      } catch (NumberFormatException e) {
        throw new UsageException("not a port number in " + s + ": \"" + port + "\"");
      }
    }
  }

  static final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  /** --name value, --name=value and valueless flags, after the command word. */
  static final class Args {
    private final String command;
    private final List<String> positional = new ArrayList<>();
    private final Map<String, String> options = new HashMap<>();

    private Args(String command) {
      this.command = command;
    }

    static Args parse(String[] argv, Set<String> valued, Set<String> flags) throws UsageException {
      Args args = new Args(argv[0]);
      for (int i = 1; i < argv.length; i++) {
        String a = argv[i];
        if (!a.startsWith("--")) {
          args.positional.add(a);
          continue;
        }
        String name = a.substring(2);
        String value = null;
        int eq = name.indexOf('=');
        if (eq >= 0) {
          value = name.substring(eq + 1);
          name = name.substring(0, eq);
        }
        if (flags.contains(name)) {
          if (value != null) {
            throw new UsageException("--" + name + " takes no value");
          }
          value = "true";
        } else if (valued.contains(name)) {
          if (value == null) {
            if (i + 1 >= argv.length) {
              throw new UsageException("--" + name + " needs a value");
            }
            value = argv[++i];
          }
        } else {
          throw new UsageException("unknown option --" + name + " for " + argv[0]);
        }
        if (args.options.put(name, value) != null) {
          throw new UsageException("--" + name + " given twice");
        }
      }
      return args;
    }

    void expectPositional(int n) throws UsageException {
      if (positional.size() != n) {
        throw new UsageException(
            command
                + " takes "
                + (n == 0 ? "no arguments besides options" : n + " arguments")
                + ", got "
                + positional.size()
                + (positional.isEmpty() ? "" : " (" + String.join(" ", positional) + ")"));
      }
    }

    String positional(int i) {
      return positional.get(i);
    }

    String option(String name) {
      return options.get(name);
    }

    String optionOr(String name, String fallback) {
      return options.getOrDefault(name, fallback);
    }

    String required(String name) throws UsageException {
      String value = options.get(name);
      if (value == null) {
        throw new UsageException(command + " needs --" + name);
      }
      return value;
    }

    boolean flag(String name) {
      return options.containsKey(name);
    }

    int intOption(String name, int fallback, int min, int max) throws UsageException {
      String value = options.get(name);
      if (value == null) {
        return fallback;
      }
      try {
        int n = Integer.parseInt(value);
        if (n < min || n > max) {
          throw new NumberFormatException();
        }
        return n;
      } catch (NumberFormatException e) {
        throw new UsageException(
            "--" + name + " must be a whole number from " + min + " to " + max + ", got " + value);
      }
    }
  }
}
