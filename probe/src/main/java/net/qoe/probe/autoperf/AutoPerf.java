package net.qoe.probe.autoperf;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import net.qoe.kafka.serde.MessageSigner;
import net.qoe.probe.config.AutoPerfSettings;
import net.qoe.probe.config.ProbeConfig;
import net.qoe.probe.config.TargetConfig;
import net.qoe.probe.notify.WebhookNotifier;
import net.qoe.probe.publish.MeasurementSink;
import net.qoe.probe.status.AutoPerfView;
import net.qoe.probe.tests.ProbeTests;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The probe's AutoPerf: the command consumer, the verifier, the tier runner and the webhooks, put
 * together from the probe's configuration. Commands are obeyed only when signed with the shared
 * secret, unexpired, new and aimed at a configured target; every refusal is logged and counted by
 * reason.
 */
public final class AutoPerf implements AutoPerfView, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(AutoPerf.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String probeId;
  private final CommandVerifier verifier;
  private final ReplayGuard replays;
  private final TierRunner runner;
  private final WebhookNotifier webhooks;
  private final CommandConsumer consumer;
  private final StateStore store;
  private final AtomicLong accepted = new AtomicLong();
  private final Map<Rejection, AtomicLong> rejected = new EnumMap<>(Rejection.class);
  private final LongSupplier clock;

  public AutoPerf(ProbeConfig config, MeasurementSink sink, ProbeTests tests) {
    this(config, sink, tests, System::currentTimeMillis);
  }

  AutoPerf(ProbeConfig config, MeasurementSink sink, ProbeTests tests, LongSupplier clock) {
    AutoPerfSettings settings = config.autoperf();
    this.probeId = config.probeId();
    this.clock = clock;
    for (Rejection r : Rejection.values()) {
      rejected.put(r, new AtomicLong());
    }
    MessageSigner signer = null;
    if (settings.hasSecret()) {
      signer = MessageSigner.fromSecret(settings.commandSecret());
    } else {
      LOG.warn(
          "[autoperf] probe {}: no command secret (set {} or autoperf.command_secret):"
              + " every tier command will be refused",
          probeId,
          AutoPerfSettings.ENV_COMMAND_SECRET);
    }
    this.replays = new ReplayGuard(settings.replayMemory());
    this.verifier =
        new CommandVerifier(
            probeId,
            signer,
            config.targets().stream().map(TargetConfig::name).collect(Collectors.toSet()),
            replays,
            clock);
    this.webhooks = config.webhooks().isEmpty() ? null : new WebhookNotifier(config.webhooks());
    TierListener listener = webhooks == null ? (p, t) -> {} : webhooks;
    this.runner =
        new TierRunner(
            probeId,
            settings,
            config.targets(),
            new SuitePlanner(settings, tests),
            sink,
            listener,
            clock);
    this.store =
        settings.stateFile() == null ? null : new StateStore(Path.of(settings.stateFile()));
    if (store != null) {
      StateStore.Saved saved = store.load();
      long now = clock.getAsLong();
      saved.seen().forEach((id, expires) -> replays.remember(id, expires, now));
      for (StateStore.SavedTier t : saved.tiers()) {
        runner.restore(t.target(), t.tier(), t.reason(), t.commandId(), t.expiresMs());
      }
      runner.onChange(() -> store.save(replays.snapshot(), runner.states()));
    }
    this.consumer =
        new CommandConsumer(
            config.kafka().bootstrapServers(), settings.commandsTopic(), probeId, this::handle);
  }

  public AutoPerf start() {
    consumer.start();
    return this;
  }

  /** Verifies one record's value and obeys it if it passes; never throws. */
  public void handle(byte[] value) {
    CommandVerifier.Verdict v = verifier.verify(value);
    if (v.accepted()) {
      accepted.incrementAndGet();
      LOG.info(
          "[autoperf] accepted command {}: {} tier {} -> {}",
          v.command().commandId(),
          v.command().target(),
          v.command().fromTier(),
          v.command().toTier());
      runner.apply(v.command());
      return;
    }
    rejected.get(v.rejection()).incrementAndGet();
    LOG.warn(
        "[autoperf] refused a tier command ({}): {}{}",
        v.rejection().label(),
        v.message(),
        v.command() == null ? "" : " [command " + v.command().commandId() + "]");
  }

  public TierRunner runner() {
    return runner;
  }

  public long accepted() {
    return accepted.get();
  }

  public long rejected(Rejection reason) {
    return rejected.get(reason).get();
  }

  /** Whether the consumer has polled the broker at least once (it is subscribed and live). */
  public boolean listening() {
    return consumer.polls() > 0;
  }

  // --- status ---------------------------------------------------------------------------

  @Override
  public String statusJson() {
    List<TierRunner.TargetState> states = runner.states();
    ObjectNode root = JSON.createObjectNode();
    root.put("enabled", true);
    root.put("probe_id", probeId);
    root.put(
        "current_tier", states.stream().mapToInt(TierRunner.TargetState::tier).max().orElse(1));
    long last = states.stream().mapToLong(TierRunner.TargetState::lastRunMs).max().orElse(0);
    long next =
        states.stream()
            .mapToLong(TierRunner.TargetState::nextRunMs)
            .filter(n -> n > 0)
            .min()
            .orElse(0);
    putTime(root, "last_run", last);
    putTime(root, "next_run", next);
    root.set("triggers", triggers(runner.triggers(), 10));
    TierRunner.Counts counts = runner.counts();
    root.put("test_count", counts.testRuns());
    ArrayNode targets = root.putArray("targets");
    for (TierRunner.TargetState s : states) {
      ObjectNode t = targets.addObject();
      t.put("target", s.target());
      t.put("current_tier", s.tier());
      putTime(t, "since", s.sinceMs());
      if (s.tier() > 1) {
        t.put("reason", s.reason());
        t.put("command_id", s.commandId());
        putTime(t, "expires", s.expiresMs());
      }
      putTime(t, "last_run", s.lastRunMs());
      putTime(t, "next_run", s.nextRunMs());
      ArrayNode tests = t.putArray("tests");
      s.tests().forEach(tests::add);
      if (!s.notApplicable().isEmpty()) {
        ObjectNode na = t.putObject("not_applicable");
        s.notApplicable().forEach(na::put);
      }
    }
    ObjectNode commands = root.putObject("commands");
    commands.put("accepted", accepted.get());
    ObjectNode rej = commands.putObject("rejected");
    rejected.forEach((r, n) -> rej.put(r.label(), n.get()));
    return root.toString();
  }

  @Override
  public String triggersJson() {
    ObjectNode root = JSON.createObjectNode();
    root.set("triggers", triggers(runner.triggers(), Integer.MAX_VALUE));
    return root.toString();
  }

  /** Newest first, as a log reads. */
  private static ArrayNode triggers(List<Trigger> all, int max) {
    ArrayNode out = JSON.createArrayNode();
    for (int i = all.size() - 1; i >= 0 && out.size() < max; i--) {
      Trigger t = all.get(i);
      ObjectNode o = out.addObject();
      o.put("timestamp", Instant.ofEpochMilli(t.atMs()).toString());
      o.put("target", t.target());
      o.put("from_tier", t.fromTier());
      o.put("to_tier", t.toTier());
      o.put("reason", t.reason());
      o.put("duration", duration(t.durationMs()));
      if (t.commandId() != null) {
        o.put("command_id", t.commandId());
      }
    }
    return out;
  }

  /** The seed's style: 45s, 3m12s, 1h4m. */
  static String duration(long ms) {
    long s = Math.max(0, ms) / 1000;
    if (s < 60) {
      return s + "s";
    }
    if (s < 3600) {
      return (s / 60) + "m" + (s % 60 == 0 ? "" : (s % 60) + "s");
    }
    return (s / 3600) + "h" + ((s % 3600) / 60 == 0 ? "" : ((s % 3600) / 60) + "m");
  }

  private static void putTime(ObjectNode node, String field, long ms) {
    if (ms > 0) {
      node.put(field, Instant.ofEpochMilli(ms).toString());
    } else {
      node.putNull(field);
    }
  }

  @Override
  public String metrics(String probe) {
    StringBuilder out = new StringBuilder();
    metric(out, "qoe_probe_autoperf_commands_accepted_total", "counter", "Tier commands obeyed.");
    line(out, "qoe_probe_autoperf_commands_accepted_total", probe, accepted.get());
    metric(
        out,
        "qoe_probe_autoperf_commands_rejected_total",
        "counter",
        "Tier commands refused, by reason.");
    rejected.forEach(
        (r, n) ->
            line(
                out,
                "qoe_probe_autoperf_commands_rejected_total",
                probe + ",reason=\"" + r.label() + "\"",
                n.get()));
    metric(out, "qoe_probe_autoperf_tier", "gauge", "The tier each target is in.");
    for (TierRunner.TargetState s : runner.states()) {
      line(
          out,
          "qoe_probe_autoperf_tier",
          probe + ",target=\"" + s.target().replace("\\", "\\\\").replace("\"", "\\\"") + "\"",
          s.tier());
    }
    TierRunner.Counts c = runner.counts();
    metric(out, "qoe_probe_autoperf_tier_changes_total", "counter", "Tier changes applied.");
    line(out, "qoe_probe_autoperf_tier_changes_total", probe, c.tierChanges());
    metric(out, "qoe_probe_autoperf_suite_runs_total", "counter", "Tier-2/3 suite runs started.");
    line(out, "qoe_probe_autoperf_suite_runs_total", probe, c.suiteRuns());
    metric(out, "qoe_probe_autoperf_tests_run_total", "counter", "Tier-2/3 test runs finished.");
    line(out, "qoe_probe_autoperf_tests_run_total", probe, c.testRuns());
    metric(
        out, "qoe_probe_autoperf_tests_failed_total", "counter", "Of those, runs with ok=false.");
    line(out, "qoe_probe_autoperf_tests_failed_total", probe, c.testsFailed());
    metric(
        out,
        "qoe_probe_autoperf_tests_skipped_total",
        "counter",
        "Tier-2/3 runs skipped: the previous run still going, or the tier's pool full.");
    line(out, "qoe_probe_autoperf_tests_skipped_total", probe, c.testsSkippedBusy());
    metric(
        out,
        "qoe_probe_autoperf_webhooks_sent_total",
        "counter",
        "Webhook notifications delivered.");
    line(
        out,
        "qoe_probe_autoperf_webhooks_sent_total",
        probe,
        webhooks == null ? 0 : webhooks.sent());
    metric(
        out,
        "qoe_probe_autoperf_webhooks_failed_total",
        "counter",
        "Webhook notifications given up after their retries, or dropped on a full queue.");
    line(
        out,
        "qoe_probe_autoperf_webhooks_failed_total",
        probe,
        webhooks == null ? 0 : webhooks.failed() + webhooks.dropped());
    return out.toString();
  }

  private static void metric(StringBuilder out, String name, String type, String help) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }

  private static void line(StringBuilder out, String name, String labels, long value) {
    out.append(name).append('{').append(labels).append("} ").append(value).append('\n');
  }

  @Override
  public void close() {
    consumer.close();
    runner.close();
    if (webhooks != null) {
      webhooks.close();
    }
    if (store != null) {
      store.save(replays.snapshot(), runner.states());
    }
  }
}
