package net.qoe.probe.autoperf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps what must survive a probe restart in one small JSON file: the ids of accepted commands
 * (with their expiry, so replays stay refused) and the tiers in force. Written whole to a temporary
 * file and moved into place, so a crash leaves the old or the new state, never half of one. A file
 * that cannot be read is logged and ignored.
 */
public final class StateStore {

  private static final Logger LOG = LoggerFactory.getLogger(StateStore.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A tier in force when the state was saved. */
  public record SavedTier(
      String target, int tier, String reason, String commandId, long expiresMs) {}

  /** What was read back. */
  public record Saved(Map<String, Long> seen, List<SavedTier> tiers) {}

  private final Path file;

  public StateStore(Path file) {
    this.file = file;
  }

  public Saved load() {
    Map<String, Long> seen = new LinkedHashMap<>();
    List<SavedTier> tiers = new ArrayList<>();
    try {
      JsonNode root = JSON.readTree(Files.readAllBytes(file));
      root.path("seen").fields().forEachRemaining(e -> seen.put(e.getKey(), e.getValue().asLong()));
      for (JsonNode t : root.path("tiers")) {
        tiers.add(
            new SavedTier(
                t.path("target").asText(),
                t.path("tier").asInt(),
                t.path("reason").asText(null),
                t.path("command_id").asText(null),
                t.path("expires_ms").asLong()));
      }
    } catch (NoSuchFileException e) {
      // first start
    } catch (IOException | RuntimeException e) {
      LOG.warn(
          "[autoperf] state file {} is unreadable, starting without it: {}", file, e.toString());
    }
    return new Saved(seen, tiers);
  }

  public synchronized void save(Map<String, Long> seen, List<TierRunner.TargetState> states) {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode s = root.putObject("seen");
    seen.forEach(s::put);
    var tiers = root.putArray("tiers");
    for (TierRunner.TargetState t : states) {
      if (t.tier() > 1) {
        tiers
            .addObject()
            .put("target", t.target())
            .put("tier", t.tier())
            .put("reason", t.reason())
            .put("command_id", t.commandId())
            .put("expires_ms", t.expiresMs());
      }
    }
    try {
      Path dir = file.toAbsolutePath().getParent();
      if (dir != null) {
        Files.createDirectories(dir);
      }
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.write(tmp, JSON.writeValueAsBytes(root));
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | RuntimeException e) {
      LOG.warn("[autoperf] cannot write the state file {}: {}", file, e.toString());
    }
  }
}
