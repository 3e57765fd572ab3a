package net.qoe.probe.publish;

/** What a publishing sink reports on the status page. */
public interface DeliveryStats {

  /** Measurements acknowledged by the brokers. */
  long published();

  /** Delivery failures (for a spooled sink, failed attempts that will be retried). */
  long failed();

  /** Measurements written to the disk spool. */
  long spooled();

  /** Measurements lost: dropped from a full spool, or undeliverable without one. */
  long dropped();

  /**
   * Measurements Kafka would never take (larger than the producer's max.request.size, or invalid):
   * refused or dropped at once, never retried.
   */
  default long rejected() {
    return 0;
  }

  /** Measurements waiting in the spool. */
  long spoolEntries();

  long spoolBytes();

  PublishLatency latency();
}
