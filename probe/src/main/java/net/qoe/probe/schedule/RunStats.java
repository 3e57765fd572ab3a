package net.qoe.probe.schedule;

/**
 * Counts since the scheduler started.
 *
 * @param started runs started
 * @param measurements measurements handed to the sink
 * @param failed of those, measurements with ok=false (timeouts and internal errors included)
 * @param timedOut runs that overran their timeout and were reported by the watchdog
 * @param internalErrors runs whose test threw instead of returning a measurement
 * @param skipped due runs not started because the previous run of the same test was still going
 * @param sinkErrors measurements the sink refused by throwing
 * @param dropped measurements dropped because the sink fell behind (see {@link
 *     net.qoe.probe.publish.PublishQueue})
 */
public record RunStats(
    long started,
    long measurements,
    long failed,
    long timedOut,
    long internalErrors,
    long skipped,
    long sinkErrors,
    long dropped) {}
