package net.qoe.kafka;

import java.util.Map;

/** A topic the pipeline uses: its name, partition count, retention and extra configs. */
public record TopicSpec(
    String name, int partitions, long retentionMs, Map<String, String> configs) {

  public TopicSpec {
    if (partitions < 1) {
      throw new IllegalArgumentException(name + ": partitions must be at least 1");
    }
    configs = Map.copyOf(configs);
  }

  /** Topic-level configs as Kafka expects them, retention included. */
  public Map<String, String> kafkaConfigs() {
    var all = new java.util.HashMap<>(configs);
    all.put("retention.ms", Long.toString(retentionMs));
    return Map.copyOf(all);
  }
}
