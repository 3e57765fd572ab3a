package net.qoe.probe.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One webhook told about tier changes, in the seed's format:
 *
 * <pre>
 * notifications:
 *   webhook:
 *     enabled: true
 *     url: https://hooks.slack.com/services/XXX/YYY/ZZZ
 *     events: [tier_escalation, tier_deescalation]
 *     format: slack  # slack, teams, discord, custom
 * </pre>
 *
 * ({@code webhook} may also be a list of such mappings.)
 *
 * @param enabled false keeps the entry but sends nothing
 * @param url where to POST
 * @param format the body's shape: slack, teams, discord or custom (the event as plain JSON)
 * @param events which tier changes are sent
 * @param timeoutMs per attempt
 * @param maxRetries attempts after the first before the notification is given up (and counted)
 */
public record WebhookSettings(
    boolean enabled,
    String url,
    String format,
    List<String> events,
    int timeoutMs,
    int maxRetries) {

  public static final String ESCALATION = "tier_escalation";
  public static final String DEESCALATION = "tier_deescalation";
  public static final List<String> EVENTS = List.of(ESCALATION, DEESCALATION);
  public static final List<String> FORMATS = List.of("slack", "teams", "discord", "custom");
  public static final int DEFAULT_TIMEOUT_MS = 5000;
  public static final int DEFAULT_MAX_RETRIES = 3;

  public WebhookSettings {
    format = format == null ? "custom" : format;
    events = events == null ? EVENTS : Collections.unmodifiableList(new ArrayList<>(events));
  }

  public static WebhookSettings of(String url, String format) {
    return new WebhookSettings(true, url, format, null, DEFAULT_TIMEOUT_MS, DEFAULT_MAX_RETRIES);
  }

  public boolean wants(String event) {
    return enabled && events.contains(event);
  }

  void check(String path, List<String> problems) {
    if (url == null || !AutoPerfSettings.httpUrl(url)) {
      problems.add(
          path
              + ".url: must be an http or https URL (got "
              + (url == null ? "nothing" : "\"" + url + "\"")
              + ")");
    }
    if (!FORMATS.contains(format)) {
      problems.add(
          path
              + ".format: must be one of "
              + String.join(", ", FORMATS)
              + " (got \""
              + format
              + "\")");
    }
    for (String e : events) {
      if (!EVENTS.contains(e)) {
        problems.add(
            path
                + ".events: unknown event \""
                + e
                + "\" (known: "
                + String.join(", ", EVENTS)
                + ")");
      }
    }
    if (timeoutMs < 1 || timeoutMs > 60_000) {
      problems.add(path + ".timeout: must be 1 ms to 60 s (got " + timeoutMs + " ms)");
    }
    if (maxRetries < 0 || maxRetries > 10) {
      problems.add(path + ".max_retries: must be 0-10 (got " + maxRetries + ")");
    }
  }
}
