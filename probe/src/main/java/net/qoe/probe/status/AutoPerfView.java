package net.qoe.probe.status;

/** What the AutoPerf side of a probe shows on the status server. */
public interface AutoPerfView {

  /** {@code /api/autoperf/status}: a JSON object. */
  String statusJson();

  /** {@code /api/autoperf/triggers}: a JSON object with the recent tier changes. */
  String triggersJson();

  /** Lines in the Prometheus text format, each with {@code probeLabel} among its labels. */
  String metrics(String probeLabel);
}
