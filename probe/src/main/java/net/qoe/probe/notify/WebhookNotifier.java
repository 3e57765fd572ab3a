package net.qoe.probe.notify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import net.qoe.probe.autoperf.TierListener;
import net.qoe.probe.autoperf.Trigger;
import net.qoe.probe.config.WebhookSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POSTs tier changes to the configured webhooks in Slack, Teams, Discord or plain JSON ("custom")
 * form. {@link #onTierChange} only enqueues (a bounded queue; a full one drops and counts), one
 * daemon thread delivers, with a bounded number of retries and a growing pause between them, so a
 * slow or dead receiver never holds up the probe.
 */
public final class WebhookNotifier implements TierListener, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(WebhookNotifier.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int QUEUE = 256;

  private record Delivery(WebhookSettings hook, String body, String event) {}

  private final List<WebhookSettings> hooks;
  private final BlockingQueue<Delivery> queue = new ArrayBlockingQueue<>(QUEUE);
  private final HttpClient client;
  private final Thread sender;
  private final Duration firstBackoff;
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong retries = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private volatile boolean closed;

  public WebhookNotifier(List<WebhookSettings> hooks) {
    this(hooks, Duration.ofMillis(500));
  }

  /** {@code firstBackoff}: the pause before the first retry; it doubles for each one after. */
  public WebhookNotifier(List<WebhookSettings> hooks, Duration firstBackoff) {
    this.hooks = List.copyOf(hooks);
    this.firstBackoff = firstBackoff;
    this.client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    this.sender = new Thread(this::deliverLoop, "autoperf-webhooks");
    sender.setDaemon(true);
    sender.start();
  }

  @Override
  public void onTierChange(String probeId, Trigger t) {
    String event = t.escalation() ? WebhookSettings.ESCALATION : WebhookSettings.DEESCALATION;
    for (WebhookSettings hook : hooks) {
      if (!hook.wants(event)) {
        continue;
      }
      if (closed
          || !queue.offer(new Delivery(hook, body(hook.format(), event, probeId, t), event))) {
        dropped.incrementAndGet();
        LOG.warn("[autoperf] webhook queue full, {} to {} dropped", event, hook.url());
      }
    }
  }

  /** The request body for one format. */
  public static String body(String format, String event, String probeId, Trigger t) {
    String title =
        String.format(
            Locale.ROOT,
            "AutoPerf %s: %s -> %s tier %d -> %d",
            t.escalation() ? "escalation" : "de-escalation",
            probeId,
            t.target(),
            t.fromTier(),
            t.toTier());
    String text = title + " (" + t.reason() + ")";
    ObjectNode root = JSON.createObjectNode();
    switch (format) {
      case "slack" -> {
        root.put("text", text);
        var attachment = root.putArray("attachments").addObject();
        attachment.put("color", t.escalation() ? "danger" : "good");
        var fields = attachment.putArray("fields");
        fields.addObject().put("title", "target").put("value", t.target()).put("short", true);
        fields
            .addObject()
            .put("title", "tier")
            .put("value", t.fromTier() + " -> " + t.toTier())
            .put("short", true);
        fields.addObject().put("title", "reason").put("value", t.reason()).put("short", false);
      }
      case "teams" -> {
        root.put("@type", "MessageCard");
        root.put("@context", "https://schema.org/extensions");
        root.put("summary", title);
        root.put("themeColor", t.escalation() ? "D9534F" : "5CB85C");
        root.put("title", title);
        root.put("text", t.reason());
        var facts = root.putArray("sections").addObject().putArray("facts");
        facts.addObject().put("name", "probe").put("value", probeId);
        facts.addObject().put("name", "target").put("value", t.target());
        facts.addObject().put("name", "tier").put("value", t.fromTier() + " -> " + t.toTier());
        facts
            .addObject()
            .put("name", "time")
            .put("value", Instant.ofEpochMilli(t.atMs()).toString());
      }
      case "discord" -> {
        root.put("content", text);
        var embed = root.putArray("embeds").addObject();
        embed.put("title", title);
        embed.put("description", t.reason());
        embed.put("color", t.escalation() ? 0xD9534F : 0x5CB85C);
        embed.put("timestamp", Instant.ofEpochMilli(t.atMs()).toString());
      }
      default -> {
        root.put("event", event);
        root.put("probe_id", probeId);
        root.put("target", t.target());
        root.put("from_tier", t.fromTier());
        root.put("to_tier", t.toTier());
        root.put("reason", t.reason());
        root.put("timestamp", Instant.ofEpochMilli(t.atMs()).toString());
        root.put("duration_s", t.durationMs() / 1000);
        if (t.commandId() != null) {
          root.put("command_id", t.commandId());
        }
      }
    }
    return root.toString();
  }

  private void deliverLoop() {
    while (!closed || !queue.isEmpty()) {
      Delivery d;
      try {
        d = queue.poll(200, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        return;
      }
      if (d != null) {
        deliver(d);
      }
    }
  }

  private void deliver(Delivery d) {
    Duration pause = firstBackoff;
    String last = null;
    for (int attempt = 0; attempt <= d.hook().maxRetries(); attempt++) {
      if (attempt > 0) {
        retries.incrementAndGet();
        try {
          Thread.sleep(pause.toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
        pause = pause.multipliedBy(2);
      }
      try {
        HttpRequest request =
            HttpRequest.newBuilder(URI.create(d.hook().url()))
                .timeout(Duration.ofMillis(d.hook().timeoutMs()))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(d.body()))
                .build();
        HttpResponse<Void> response = client.send(request, HttpResponse.BodyHandlers.discarding());
        if (response.statusCode() >= 200 && response.statusCode() < 300) {
          sent.incrementAndGet();
          return;
        }
        last = "HTTP " + response.statusCode();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        last = "interrupted";
        break;
      } catch (Exception e) {
        last = e.toString();
      }
    }
    failed.incrementAndGet();
    LOG.warn(
        "[autoperf] webhook {} ({}) failed after {} retries: {}",
        d.hook().url(),
        d.event(),
        d.hook().maxRetries(),
        last);
  }

  public long sent() {
    return sent.get();
  }

  public long failed() {
    return failed.get();
  }

  public long retries() {
    return retries.get();
  }

  public long dropped() {
    return dropped.get();
  }

  /** Stops taking notifications and gives those queued a moment (bounded) to go out. */
  @Override
  public void close() {
    closed = true;
    try {
      sender.join(3000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    sender.interrupt();
  }
}
