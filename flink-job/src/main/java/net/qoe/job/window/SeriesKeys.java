package net.qoe.job.window;

import net.qoe.kafka.message.Measurement;

/**
 * The string key of a series (probe, target, test) that the job's keyed steps run under: its three
 * names, length-prefixed so that no two series can collide whatever characters their names contain.
 * A measurement and the aggregates of its series get the same key. {@code Measurement::seriesKey}
 * is the typed alternative.
 */
public final class SeriesKeys {

  private SeriesKeys() {}

  public static String keyOf(Measurement m) {
    return of(m.probeId(), m.target(), m.test());
  }

  public static String keyOf(SeriesAggregate a) {
    return of(a.probeId(), a.target(), a.test());
  }

  private static String of(String probeId, String target, String test) {
    return probeId.length() + ":" + probeId + target.length() + ":" + target + test;
  }
}
