package net.qoe.probe.tests;

/** Where a run failed: the {@code error.stage} of a measurement. */
public final class Stage {

  public static final String DNS = "dns";
  public static final String CONNECT = "connect";
  public static final String REFUSED = "refused";
  public static final String TLS = "tls";
  public static final String HTTP = "http";
  public static final String TIMEOUT = "timeout";
  public static final String IO = "io";

  /** The test cannot run on this host (a missing tool or source of data), not a network fault. */
  public static final String UNAVAILABLE = "unavailable";

  /** A bug or an unexpected condition in the probe itself, not in the network. */
  public static final String INTERNAL = "internal";

  private Stage() {}
}
