package net.qoe.job.baseline;

import java.io.IOException;
import java.util.Arrays;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * What is normal for one headline metric of one series: a level and trend (Holt's double
 * exponential smoothing) and an hour-of-week table of exponentially weighted means and absolute
 * deviations, so that a target always slower at 9:00 on Mondays is normal at 9:00 on Mondays.
 *
 * <p>The spread is an exponentially weighted mean absolute deviation, scaled to a standard
 * deviation (× 1.2533 for a normal distribution), which one outlier moves far less than a variance.
 * An anomalous value does not update the baseline; the caller decides that from the score before
 * calling {@link #update}.
 */
public final class MetricBaseline {

  static final int SLOTS = 7 * 24;
  private static final double MAD_TO_SIGMA = 1.2533;

  // Holt
  double level = Double.NaN;
  double trend;
  double holtAbsDev;
  // hour of week
  final double[] slotMean = new double[SLOTS];
  final double[] slotAbsDev = new double[SLOTS];
  final int[] slotCount = new int[SLOTS];
  // Every window, anomalous or not, per hour of week: a pattern that recurs in at least two
  // distinct weeks is seasonality, not an anomaly, even though each occurrence was flagged.
  final double[] recurMean = new double[SLOTS];
  final double[] recurAbsDev = new double[SLOTS];
  final int[] recurCount = new int[SLOTS];
  final int[] recurWeeks = new int[SLOTS];
  final long[] recurLastWeek = new long[SLOTS];
  long windows;
  long samples;

  /** What this value is expected to be at this hour, with its spread, or null in warm-up. */
  public Expectation expect(int hourOfWeek, BaselinePolicy policy) {
    if (windows < policy.warmupWindows()
        || samples < policy.warmupSamples()
        || Double.isNaN(level)) {
      return null;
    }
    double expected;
    double spread;
    if (slotCount[hourOfWeek] >= policy.seasonalMinWindows()) {
      expected = slotMean[hourOfWeek];
      spread = slotAbsDev[hourOfWeek] * MAD_TO_SIGMA;
    } else if (recurWeeks[hourOfWeek] >= 2
        && recurCount[hourOfWeek] >= policy.seasonalMinWindows()) {
      expected = recurMean[hourOfWeek];
      spread = recurAbsDev[hourOfWeek] * MAD_TO_SIGMA;
    } else {
      expected = level + trend;
      spread = holtAbsDev * MAD_TO_SIGMA;
    }
    double floor = Math.max(policy.absoluteFloor(), policy.relativeFloor() * Math.abs(expected));
    return new Expectation(expected, Math.max(spread, floor));
  }

  /**
   * Feeds every window, anomalous or not, to the recurrence table only: it decides nothing until
   * the same hour of week has looked like this in two different weeks.
   */
  public void observe(double value, int hourOfWeek, long week, BaselinePolicy policy) {
    int n = ++recurCount[hourOfWeek];
    if (recurLastWeek[hourOfWeek] != week || recurWeeks[hourOfWeek] == 0) {
      recurWeeks[hourOfWeek]++;
      recurLastWeek[hourOfWeek] = week;
    }
    double w = Math.max(1.0 / n, policy.seasonalWeight());
    if (n == 1) {
      recurMean[hourOfWeek] = value;
    } else {
      recurAbsDev[hourOfWeek] +=
          w * (Math.abs(value - recurMean[hourOfWeek]) - recurAbsDev[hourOfWeek]);
      recurMean[hourOfWeek] += w * (value - recurMean[hourOfWeek]);
    }
  }

  /** Feeds a window that was not anomalous. */
  public void update(double value, int hourOfWeek, long windowSamples, BaselinePolicy policy) {
    windows++;
    samples += windowSamples;
    if (Double.isNaN(level)) {
      level = value;
      trend = 0;
      holtAbsDev = 0;
    } else {
      double forecast = level + trend;
      double previousLevel = level;
      level = policy.alpha() * value + (1 - policy.alpha()) * forecast;
      trend = policy.beta() * (level - previousLevel) + (1 - policy.beta()) * trend;
      holtAbsDev += policy.gamma() * (Math.abs(value - forecast) - holtAbsDev);
    }
    int n = ++slotCount[hourOfWeek];
    // the first values of a slot average exactly, then the slot forgets slowly
    double w = Math.max(1.0 / n, policy.seasonalWeight());
    double deviation = Math.abs(value - slotMean[hourOfWeek]);
    if (n == 1) {
      slotMean[hourOfWeek] = value;
      slotAbsDev[hourOfWeek] = Math.max(holtAbsDev, 0);
    } else {
      slotMean[hourOfWeek] += w * (value - slotMean[hourOfWeek]);
      slotAbsDev[hourOfWeek] += w * (deviation - slotAbsDev[hourOfWeek]);
    }
  }

  public long windows() {
    return windows;
  }

  /** The expected value and its spread (one standard deviation equivalent). */
  public record Expectation(double value, double sigma) {
    public double score(double x) {
      return (x - value) / sigma;
    }
  }

  void write(DataOutputView out) throws IOException {
    out.writeDouble(level);
    out.writeDouble(trend);
    out.writeDouble(holtAbsDev);
    out.writeLong(windows);
    out.writeLong(samples);
    int used = 0;
    for (int c : slotCount) {
      used += c > 0 ? 1 : 0;
    }
    out.writeInt(used);
    for (int i = 0; i < SLOTS; i++) {
      if (slotCount[i] > 0) {
        out.writeShort(i);
        out.writeInt(slotCount[i]);
        out.writeDouble(slotMean[i]);
        out.writeDouble(slotAbsDev[i]);
      }
    }
    int recurring = 0;
    for (int c : recurCount) {
      recurring += c > 0 ? 1 : 0;
    }
    out.writeInt(recurring);
    for (int i = 0; i < SLOTS; i++) {
      if (recurCount[i] > 0) {
        out.writeShort(i);
        out.writeInt(recurCount[i]);
        out.writeInt(recurWeeks[i]);
        out.writeLong(recurLastWeek[i]);
        out.writeDouble(recurMean[i]);
        out.writeDouble(recurAbsDev[i]);
      }
    }
  }

  static MetricBaseline read(DataInputView in) throws IOException {
    MetricBaseline b = new MetricBaseline();
    b.level = in.readDouble();
    b.trend = in.readDouble();
    b.holtAbsDev = in.readDouble();
    b.windows = in.readLong();
    b.samples = in.readLong();
    int used = in.readInt();
    for (int k = 0; k < used; k++) {
      int i = in.readShort();
      b.slotCount[i] = in.readInt();
      b.slotMean[i] = in.readDouble();
      b.slotAbsDev[i] = in.readDouble();
    }
    int recurring = in.readInt();
    for (int k = 0; k < recurring; k++) {
      int i = in.readShort();
      b.recurCount[i] = in.readInt();
      b.recurWeeks[i] = in.readInt();
      b.recurLastWeek[i] = in.readLong();
      b.recurMean[i] = in.readDouble();
      b.recurAbsDev[i] = in.readDouble();
    }
    return b;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MetricBaseline b
        && Double.compare(level, b.level) == 0
        && Double.compare(trend, b.trend) == 0
        && Double.compare(holtAbsDev, b.holtAbsDev) == 0
        && windows == b.windows
        && samples == b.samples
        && Arrays.equals(slotMean, b.slotMean)
        && Arrays.equals(slotAbsDev, b.slotAbsDev)
        && Arrays.equals(slotCount, b.slotCount)
        && Arrays.equals(recurCount, b.recurCount)
        && Arrays.equals(recurMean, b.recurMean);
  }

  /** The part of the baseline that only non-anomalous windows may change. */
  public String learnedState() {
    return level
        + "/"
        + trend
        + "/"
        + holtAbsDev
        + "/"
        + windows
        + "/"
        + samples
        + "/"
        + Arrays.toString(slotMean)
        + Arrays.toString(slotAbsDev)
        + Arrays.toString(slotCount);
  }

  @Override
  public int hashCode() {
    return Double.hashCode(level) * 31 + Long.hashCode(windows);
  }
}
