package net.qoe.probe.config;

/**
 * The probe's status HTTP server ({@code /healthz}, {@code /metrics}).
 *
 * @param port the TCP port; 0 picks a free one
 * @param bind the address to listen on; loopback by default, as the metrics are for a local scraper
 */
public record StatusSettings(int port, String bind) {

  public static final String DEFAULT_BIND = "127.0.0.1";
  public static final int DEFAULT_PORT = 9464;
}
