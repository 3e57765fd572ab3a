package net.qoe.probe.config;

/** Interval and timeout of every test that does not set its own. */
public record TestDefaults(double intervalS, int timeoutMs) {}
