package net.qoe.kafka.message;

/**
 * Why a run failed: the stage it failed in and a human-readable message.
 *
 * <p>Stages in use: dns, connect, refused, tls, http, timeout, io, internal, unavailable.
 */
public record MeasurementError(String stage, String message) {}
