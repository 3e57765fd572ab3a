package net.qoe.probe.tests;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import net.qoe.kafka.message.Measurement;
import net.qoe.kafka.serde.MessageSerde;
import net.qoe.probe.config.TargetConfig;
import net.qoe.probe.config.TestSpec;

/**
 * A custom test in the seed's format: an executable run with the target (its host, else its name)
 * as its one argument, printing one JSON object such as {@code {"success": true, "latency": 12.5}}.
 * Every numeric field but {@code tier} becomes a metric of that name; {@code "success": false}
 * fails the run at stage "script" (with the object's {@code error} or {@code message}); a metric
 * above its configured threshold fails it at stage "threshold". The run's timeout bounds the
 * script, which is killed when it overruns.
 */
public final class ScriptTest implements ProbeTest {

  public static final String NAME = TestSpec.SCRIPT;
  public static final String STAGE = "script";
  public static final String THRESHOLD_STAGE = "threshold";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Measurement run(TestContext ctx, TargetConfig target, TestSpec spec) {
    return ctx.measure(
        target.name(),
        NAME,
        m -> {
          Deadline deadline = Deadline.after(ctx.timeout());
          long start = System.nanoTime();
          String argument = target.host() != null ? target.host() : target.name();
          String output = execute(List.of(spec.script(), argument), deadline, m, start);
          JsonNode result;
          try {
            result = MessageSerde.MAPPER.readTree(output);
          } catch (IOException e) {
            throw new StageFailure(STAGE, spec.script() + " did not print JSON: " + e.getMessage());
          }
          if (result == null || !result.isObject()) {
            throw new StageFailure(STAGE, spec.script() + " did not print a JSON object");
          }
          Iterator<Map.Entry<String, JsonNode>> fields = result.fields();
          while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            if (f.getValue().isNumber() && !f.getKey().equals("tier")) {
              m.metric(f.getKey(), f.getValue().doubleValue());
            }
          }
          JsonNode success = result.get("success");
          if (success != null && success.isBoolean() && !success.booleanValue()) {
            JsonNode why = result.has("error") ? result.get("error") : result.get("message");
            throw new StageFailure(
                STAGE,
                spec.script() + " reported failure" + (why == null ? "" : ": " + why.asText()));
          }
          checkThresholds(spec.threshold(), result);
        });
  }

  private static void checkThresholds(Map<String, Double> threshold, JsonNode result)
      throws StageFailure {
    if (threshold == null) {
      return;
    }
    for (Map.Entry<String, Double> limit : threshold.entrySet()) {
      JsonNode value = result.get(limit.getKey());
      if (value == null || !value.isNumber()) {
        throw new StageFailure(
            THRESHOLD_STAGE, "the script reported no " + limit.getKey() + " to compare");
      }
      if (value.doubleValue() > limit.getValue()) {
        throw new StageFailure(
            THRESHOLD_STAGE,
            limit.getKey()
                + " "
                + value.doubleValue()
                + " is above its threshold "
                + limit.getValue());
      }
    }
  }

  private static String execute(
      List<String> cmd, Deadline deadline, MeasurementBuilder m, long start) throws StageFailure {
    Path out = null;
    Path err = null;
    try {
      out = Files.createTempFile("qoe-script", ".out");
      err = Files.createTempFile("qoe-script", ".err");
      Process process;
      try {
        process =
            new ProcessBuilder(cmd)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
      } catch (IOException e) {
        throw new StageFailure(
            Stage.UNAVAILABLE, "cannot run " + cmd.get(0) + ": " + e.getMessage());
      }
      try {
        if (!process.waitFor(deadline.remainingNanos(), TimeUnit.NANOSECONDS)) {
          process.destroyForcibly();
          throw deadline.expired("script " + cmd.get(0));
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
        throw deadline.expired("script " + cmd.get(0));
      }
      m.elapsed("script_ms", start);
      if (process.exitValue() != 0) {
        String stderr = Files.readString(err).strip();
        throw new StageFailure(
            STAGE,
            cmd.get(0)
                + " exited with status "
                + process.exitValue()
                + (stderr.isEmpty() ? "" : ": " + stderr.lines().findFirst().orElse("")));
      }
      return Files.readString(out);
    } catch (IOException e) {
      throw new StageFailure(Stage.IO, "running " + cmd.get(0) + ": " + e.getMessage());
    } finally {
      deleteQuietly(out);
      deleteQuietly(err);
    }
  }

  private static void deleteQuietly(Path p) {
    if (p != null) {
      try {
        Files.deleteIfExists(p);
      } catch (IOException e) {
        // a temp file left behind is harmless
      }
    }
  }
}
