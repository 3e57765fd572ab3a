package net.qoe.probe.notify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import net.qoe.probe.autoperf.Trigger;
import net.qoe.probe.config.WebhookSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Webhooks against a real local HTTP receiver: each format's body, retries, failures. */
class WebhookNotifierTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Trigger UP =
      new Trigger(
          1_767_225_600_000L, "web-1", 1, 2, "http total p95 2522 ms > 2000 ms", 45_000, "c-1");
  private static final Trigger DOWN =
      new Trigger(1_767_225_700_000L, "web-1", 2, 1, "healthy for 3 windows", 100_000, "c-2");

  private HttpServer receiver;
  private final LinkedBlockingQueue<String> bodies = new LinkedBlockingQueue<>();
  private final AtomicInteger failFirst = new AtomicInteger();
  private final AtomicInteger requests = new AtomicInteger();

  @BeforeEach
  void receiver() throws Exception {
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 10);
    receiver.createContext(
        "/",
        ex -> {
          requests.incrementAndGet();
          String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          int status = failFirst.getAndDecrement() > 0 ? 503 : 200;
          if (status == 200) {
            bodies.add(ex.getRequestURI().getPath() + " " + body);
          }
          ex.sendResponseHeaders(status, -1);
          ex.close();
        });
    receiver.start();
  }

  @AfterEach
  void stop() {
    receiver.stop(0);
  }

  private String url(String path) {
    return "http://127.0.0.1:" + receiver.getAddress().getPort() + path;
  }

  private JsonNode next(String path) throws Exception {
    String got = bodies.poll(10, TimeUnit.SECONDS);
    assertThat(got).as("a POST to " + path).isNotNull().startsWith(path + " ");
    return JSON.readTree(got.substring(path.length() + 1));
  }

  @Test
  void eachFormatHasItsOwnBody() throws Exception {
    try (WebhookNotifier n =
        new WebhookNotifier(
            List.of(
                WebhookSettings.of(url("/slack"), "slack"),
                WebhookSettings.of(url("/teams"), "teams"),
                WebhookSettings.of(url("/discord"), "discord"),
                WebhookSettings.of(url("/custom"), "custom")))) {
      n.onTierChange("probe-a", UP);

      JsonNode slack = next("/slack");
      assertThat(slack.path("text").asText())
          .isEqualTo(
              "AutoPerf escalation: probe-a -> web-1 tier 1 -> 2 (http total p95 2522 ms > 2000 ms)");
      assertThat(slack.path("attachments").get(0).path("color").asText()).isEqualTo("danger");

      JsonNode teams = next("/teams");
      assertThat(teams.path("@type").asText()).isEqualTo("MessageCard");
      assertThat(teams.path("title").asText()).contains("tier 1 -> 2");
      assertThat(teams.path("text").asText()).isEqualTo("http total p95 2522 ms > 2000 ms");
      assertThat(teams.path("sections").get(0).path("facts").toString()).contains("web-1");

      JsonNode discord = next("/discord");
      assertThat(discord.path("content").asText()).contains("probe-a -> web-1 tier 1 -> 2");
      assertThat(discord.path("embeds").get(0).path("timestamp").asText())
          .isEqualTo("2026-01-01T00:00:00Z");

      JsonNode custom = next("/custom");
      assertThat(custom.path("event").asText()).isEqualTo("tier_escalation");
      assertThat(custom.path("probe_id").asText()).isEqualTo("probe-a");
      assertThat(custom.path("target").asText()).isEqualTo("web-1");
      assertThat(custom.path("from_tier").asInt()).isEqualTo(1);
      assertThat(custom.path("to_tier").asInt()).isEqualTo(2);
      assertThat(custom.path("duration_s").asLong()).isEqualTo(45);
      assertThat(custom.path("command_id").asText()).isEqualTo("c-1");

      n.onTierChange("probe-a", DOWN);
      assertThat(next("/slack").path("attachments").get(0).path("color").asText())
          .isEqualTo("good");
      assertThat(next("/teams").path("title").asText()).startsWith("AutoPerf de-escalation");
      next("/discord");
      assertThat(next("/custom").path("event").asText()).isEqualTo("tier_deescalation");
      // the receiver has the body a moment before the sender sees the response
      long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      while (n.sent() < 8 && System.nanoTime() < end) {
        Thread.sleep(20);
      }
      assertThat(n.sent()).isEqualTo(8);
      assertThat(n.failed()).isZero();
    }
  }

  @Test
  void onlyTheChosenEventsAreSent() throws Exception {
    WebhookSettings escalationsOnly =
        new WebhookSettings(true, url("/up"), "custom", List.of("tier_escalation"), 2000, 0);
    try (WebhookNotifier n = new WebhookNotifier(List.of(escalationsOnly))) {
      n.onTierChange("p", DOWN);
      n.onTierChange("p", UP);
      assertThat(next("/up").path("event").asText()).isEqualTo("tier_escalation");
      assertThat(bodies.poll(500, TimeUnit.MILLISECONDS)).isNull();
    }
  }

  @Test
  void aFailingReceiverIsRetriedABoundedNumberOfTimesThenCounted() throws Exception {
    failFirst.set(2);
    WebhookSettings twoRetries = new WebhookSettings(true, url("/x"), "custom", null, 2000, 2);
    WebhookSettings oneRetry = new WebhookSettings(true, url("/y"), "custom", null, 2000, 1);
    try (WebhookNotifier n = new WebhookNotifier(List.of(twoRetries), Duration.ofMillis(50))) {
      n.onTierChange("p", UP);
      assertThat(next("/x").path("to_tier").asInt()).isEqualTo(2); // third attempt got through
      long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      while (n.sent() < 1 && System.nanoTime() < end) {
        Thread.sleep(20);
      }
      assertThat(n.retries()).isEqualTo(2);
      assertThat(n.failed()).isZero();
    }
    failFirst.set(100);
    requests.set(0);
    try (WebhookNotifier n = new WebhookNotifier(List.of(oneRetry), Duration.ofMillis(50))) {
      n.onTierChange("p", UP);
      long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (n.failed() == 0 && System.nanoTime() < end) {
        Thread.sleep(20);
      }
      assertThat(n.failed()).isEqualTo(1);
      assertThat(requests.get()).isEqualTo(2);
    }
  }

  @Test
  void aDeadReceiverNeverBlocksTheCaller() throws Exception {
    receiver.stop(0);
    WebhookSettings dead = new WebhookSettings(true, url("/z"), "slack", null, 500, 3);
    try (WebhookNotifier n = new WebhookNotifier(List.of(dead), Duration.ofMillis(200))) {
      long start = System.nanoTime();
      for (int i = 0; i < 1000; i++) {
        n.onTierChange("p", UP);
      }
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
      assertThat(n.dropped()).as("the bounded queue overflowed").isPositive();
    }
  }
}
