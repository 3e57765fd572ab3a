package net.qoe.kafka;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Every topic of the pipeline, in one place. */
public final class Topics {

  public static final String MEASUREMENTS = "qoe.measurements";
  public static final String COMMANDS = "qoe.commands";
  public static final String TUNING = "qoe.tuning";
  public static final String TUNING_RESULTS = "qoe.tuning.results";
  public static final String DLQ = "qoe.dlq";

  private static final Map<String, String> COMPRESSED = Map.of("compression.type", "producer");

  /** Measurements: keyed probe|target; a week of raw data so a job can be re-run from scratch. */
  public static final TopicSpec MEASUREMENTS_SPEC =
      new TopicSpec(MEASUREMENTS, 6, Duration.ofDays(7).toMillis(), COMPRESSED);

  /** Commands are short-lived (they expire); a day is plenty for audit and replay checks. */
  public static final TopicSpec COMMANDS_SPEC =
      new TopicSpec(COMMANDS, 3, Duration.ofDays(1).toMillis(), COMPRESSED);

  public static final TopicSpec TUNING_SPEC =
      new TopicSpec(TUNING, 1, Duration.ofDays(30).toMillis(), COMPRESSED);

  public static final TopicSpec TUNING_RESULTS_SPEC =
      new TopicSpec(TUNING_RESULTS, 1, Duration.ofDays(30).toMillis(), COMPRESSED);

  /** Dead letters are kept long enough to investigate and replay. */
  public static final TopicSpec DLQ_SPEC =
      new TopicSpec(DLQ, 1, Duration.ofDays(14).toMillis(), COMPRESSED);

  public static final List<TopicSpec> ALL =
      List.of(MEASUREMENTS_SPEC, COMMANDS_SPEC, TUNING_SPEC, TUNING_RESULTS_SPEC, DLQ_SPEC);

  private Topics() {}
}
