package net.qoe.probe.config;

/** Where measurements are published. */
public record KafkaSettings(String bootstrapServers, String topic) {}
