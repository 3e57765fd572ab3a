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
 * @param anomalyScore the score from which a window is anomalous (and does not feed the baseline)
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
    double anomalyScore)
    implements Serializable {

  public static BaselinePolicy defaults() {
    return new BaselinePolicy(20, 30, 0.3, 0.05, 0.05, 0.05, 20, 0.05, 0.5, 4.0);
  }
}
