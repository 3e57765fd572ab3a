package net.qoe.probe.autoperf;

/** Why a tier command was refused; each has its own counter and log line. */
public enum Rejection {
  /** Not a tier command: bad bytes, bad JSON, missing fields, tiers out of range. */
  MALFORMED("malformed"),
  /** The signature does not verify with this probe's secret. */
  FORGED("forged"),
  /** Past its expires_ms. */
  EXPIRED("expired"),
  /** A command_id this probe has accepted before. */
  REPLAYED("replayed"),
  /** Aimed at a target that is not in this probe's configuration. */
  UNKNOWN_TARGET("unknown-target"),
  /** Keyed to this probe but addressed (in the signed body) to another one. */
  MISADDRESSED("misaddressed"),
  /** This probe has no command secret, so nothing can be verified. */
  UNVERIFIABLE("unverifiable");

  private final String label;

  Rejection(String label) {
    this.label = label;
  }

  /** The name used in logs and in the metrics' reason label. */
  public String label() {
    return label;
  }
}
