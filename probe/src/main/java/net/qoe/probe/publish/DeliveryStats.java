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

  /** Measurements waiting in the spool. */
  long spoolEntries();

  long spoolBytes();

  PublishLatency latency();
}
