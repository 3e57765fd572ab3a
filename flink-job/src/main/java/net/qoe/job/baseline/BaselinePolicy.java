package net.qoe.job.baseline;

import java.io.Serializable;

/**
 * How baselines learn and when a window counts as anomalous.
 *
 * @param warmupWindows windows a metric must have been seen in before it is scored
 * @param warmupSamples measurements behind those windows: a probe that runs once a minute fills a
 *     1-minute window with one sample, so the warm-up is sized in samples as well as windows
 * @param alpha Holt level smoothing
 * @param beta Holt trend smoothing
 * @param gamma smoothing of the absolute deviation around the Holt forecast
 * @param seasonalWeight the weight of a new value in its hour-of-week slot once warm
 * @param seasonalMinWindows windows a slot needs before it replaces the Holt forecast
 * @param relativeFloor the spread is at least this share of the expected value (a perfectly flat
 *     series would otherwise make any jitter infinitely anomalous)
 * @param absoluteFloor and at least this much, in the metric's unit
 * @param anomalyScore the score from which a window is suspect: it does not feed the baselines, and
 *     it is anomalous (an alarm) once confirmed
 * @param confirmWindows consecutive suspect windows that confirm an alarm (hysteresis: one noisy
 *     window is not an alarm; the alarm lasts while the windows stay suspect)
 * @param immediateScore a score from which a single window is an alarm without confirmation
 * @param lossShift the rise in packet loss (a fraction, 0.05 = 5 points, the AutoPerf tier-1 loss
 *     threshold) the pooled loss detector is tuned for
 * @param lossCusumThreshold the log-likelihood ratio at which the pooled loss detector (a binomial
 *     CUSUM over consecutive windows) alarms; its score is anomalyScore × CUSUM / this
 */
public record BaselinePolicy(
    int warmupWindows,
    int warmupSamples,
    double alpha,
    double beta,
    double gamma,
    double seasonalWeight,
    int seasonalMinWindows,
    double relativeFloor,
    double absoluteFloor,
    double anomalyScore,
    int confirmWindows,
    double immediateScore,
    double lossShift,
    double lossCusumThreshold)
    implements Serializable {

  public static BaselinePolicy defaults() {
    return new BaselinePolicy(20, 30, 0.3, 0.05, 0.05, 0.05, 20, 0.05, 0.5, 4.0, 2, 8.0, 0.05, 8.0);
  }

  /**
   * The same policy with another band: a headline {@code spreads} off its baseline is suspect (the
   * anomaly score), and a single window twice as far off is an alarm at once (the immediate score),
   * in the same proportion as the defaults. The pooled loss detector alarms on its own threshold
   * whatever the band.
   */
  public BaselinePolicy withBand(double spreads) {
    if (!(spreads > 0) || Double.isInfinite(spreads)) {
      throw new IllegalArgumentException(
          "the band must be a positive number of spreads: " + spreads);
    }
    BaselinePolicy d = defaults();
    return with(
        warmupWindows, warmupSamples, spreads, spreads * d.immediateScore() / d.anomalyScore());
  }

  /**
   * The same policy with another warm-up: {@code windows} windows, and at least 30 measurements
   * behind them, or 3 per window when fewer than 10 windows are asked for.
   */
  public BaselinePolicy withWarmup(int windows) {
    if (windows < 1) {
      throw new IllegalArgumentException("the warm-up needs at least one window: " + windows);
    }
    return with(windows, Math.min(30, 3 * windows), anomalyScore, immediateScore);
  }

  /** This policy with the fields the {@code with…} methods set; the others stay. */
  private BaselinePolicy with(
      int warmupWindows, int warmupSamples, double anomalyScore, double immediateScore) {
    return new BaselinePolicy(
        warmupWindows,
        warmupSamples,
        alpha,
        beta,
        gamma,
        seasonalWeight,
        seasonalMinWindows,
        relativeFloor,
        absoluteFloor,
        anomalyScore,
        confirmWindows,
        immediateScore,
        lossShift,
        lossCusumThreshold);
  }
}
