package net.qoe.kafka.message;

/** A measurement series: one test run by one probe against one target. */
public record SeriesKey(String probeId, String target, String test) {

  @Override
  public String toString() {
    return probeId + "|" + target + "|" + test;
  }
}
