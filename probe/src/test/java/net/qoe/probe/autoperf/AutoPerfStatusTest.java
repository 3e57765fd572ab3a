package net.qoe.probe.autoperf;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import net.qoe.kafka.message.TierCommand;
import net.qoe.probe.CollectingSink;
import net.qoe.probe.Probe;
import net.qoe.probe.config.AutoPerfSettings;
import net.qoe.probe.config.AutoPerfSettings.SuiteTest;
import net.qoe.probe.config.AutoPerfSettings.TierSuite;
import net.qoe.probe.config.ProbeConfig;
import net.qoe.probe.config.TargetConfig;
import net.qoe.probe.config.TestSpec;
import net.qoe.probe.responder.DelayHttpServer;
import org.junit.jupiter.api.Test;

/** /api/autoperf/status and /api/autoperf/triggers of a running probe, in the seed's shape. */
class AutoPerfStatusTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode get(Probe probe, String path) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://127.0.0.1:"
                                + probe.statusAddress().orElseThrow().getPort()
                                + path))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    return JSON.readTree(r.body());
  }

  @Test
  void statusAndTriggersShowTiersRunsAndHistory() throws Exception {
    // no broker on this port: commands are handed in directly, the consumer just keeps retrying
    int noBroker;
    try (ServerSocket s = new ServerSocket(0)) {
      noBroker = s.getLocalPort();
    }
    try (DelayHttpServer http = DelayHttpServer.http("127.0.0.1", 0).start()) {
      ProbeConfig config =
          ProbeConfig.builder()
              .probeId("probe-s")
              .bootstrapServers("127.0.0.1:" + noBroker)
              .defaultIntervalS(1.0)
              .target(TargetConfig.of("web", null, null, TestSpec.http(http.url().toString())))
              .target(TargetConfig.of("other", null, null, TestSpec.http(http.url().toString())))
              .status(0, "127.0.0.1")
              .autoperf(
                  new AutoPerfSettings(
                      true,
                      Commands.SECRET,
                      null,
                      null,
                      1000,
                      false,
                      new TierSuite(true, 0.5, 2000, 1, List.of(SuiteTest.named("http_trace"))),
                      null))
              .build();
      CollectingSink sink = new CollectingSink();
      try (Probe probe = Probe.create(config, sink).start()) {
        JsonNode before = get(probe, "/api/autoperf/status");
        assertThat(before.path("enabled").asBoolean()).isTrue();
        assertThat(before.path("current_tier").asInt()).isEqualTo(1);
        assertThat(before.path("triggers")).isEmpty();
        assertThat(before.path("next_run").isNull()).isTrue();

        AutoPerf autoperf = probe.autoPerf().orElseThrow();
        TierCommand up = Commands.signed(Commands.command("probe-s", "web", 1, 2, 60_000));
        autoperf.handle(Commands.bytes(up));
        sink.await(2, m -> m.tier() == 2, java.time.Duration.ofSeconds(10));
        autoperf.handle(Commands.bytes(Commands.command("probe-s", "web", 1, 3, 60_000)));

        JsonNode status = get(probe, "/api/autoperf/status");
        assertThat(status.path("current_tier").asInt()).isEqualTo(2);
        assertThat(status.path("last_run").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
        assertThat(status.path("next_run").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
        assertThat(status.path("test_count").asLong()).isGreaterThanOrEqualTo(2);
        JsonNode web = status.path("targets").get(0);
        assertThat(web.path("target").asText()).isEqualTo("web");
        assertThat(web.path("current_tier").asInt()).isEqualTo(2);
        assertThat(web.path("command_id").asText()).isEqualTo(up.commandId());
        assertThat(web.path("tests").get(0).asText()).isEqualTo("http_trace");
        assertThat(status.path("targets").get(1).path("current_tier").asInt()).isEqualTo(1);
        assertThat(status.path("commands").path("accepted").asLong()).isEqualTo(1);
        assertThat(status.path("commands").path("rejected").path("forged").asLong()).isEqualTo(1);

        JsonNode triggers = get(probe, "/api/autoperf/triggers").path("triggers");
        assertThat(triggers).hasSize(1);
        JsonNode t = triggers.get(0);
        assertThat(t.path("from_tier").asInt()).isEqualTo(1);
        assertThat(t.path("to_tier").asInt()).isEqualTo(2);
        assertThat(t.path("reason").asText()).isEqualTo("test: tier 1 -> 2");
        assertThat(t.path("duration").asText()).matches("\\d+s");
        assertThat(t.path("timestamp").asText()).endsWith("Z");

        String metrics =
            HttpClient.newHttpClient()
                .send(
                    HttpRequest.newBuilder(
                            URI.create(
                                "http://127.0.0.1:"
                                    + probe.statusAddress().orElseThrow().getPort()
                                    + "/metrics"))
                        .build(),
                    HttpResponse.BodyHandlers.ofString())
                .body();
        assertThat(metrics)
            .contains("qoe_probe_autoperf_tier{probe_id=\"probe-s\",target=\"web\"} 2")
            .contains(
                "qoe_probe_autoperf_commands_rejected_total{probe_id=\"probe-s\",reason=\"forged\"} 1")
            .contains("qoe_probe_autoperf_tier_changes_total{probe_id=\"probe-s\"} 1");
      }
    }
  }

  @Test
  void durationsReadLikeTheSeed() {
    assertThat(AutoPerf.duration(45_000)).isEqualTo("45s");
    assertThat(AutoPerf.duration(192_000)).isEqualTo("3m12s");
    assertThat(AutoPerf.duration(3_840_000)).isEqualTo("1h4m");
  }
}
