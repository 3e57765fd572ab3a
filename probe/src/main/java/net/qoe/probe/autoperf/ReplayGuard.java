package net.qoe.probe.autoperf;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The command ids this probe has accepted, each until its command expires (an expired command is
 * refused anyway, so forgetting it then is safe), at most {@code capacity} of them; beyond that the
 * oldest is forgotten first. Thread-safe.
 */
public final class ReplayGuard {

  private final int capacity;
  private final LinkedHashMap<String, Long> seen = new LinkedHashMap<>();

  public ReplayGuard(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive: " + capacity);
    }
    this.capacity = capacity;
  }

  public synchronized boolean seen(String commandId) {
    return seen.containsKey(commandId);
  }

  /**
   * Remembers {@code commandId} until {@code expiresMs}; prunes what expired before {@code nowMs}.
   */
  public synchronized void remember(String commandId, long expiresMs, long nowMs) {
    prune(nowMs);
    seen.put(commandId, expiresMs);
    while (seen.size() > capacity) {
      Iterator<String> oldest = seen.keySet().iterator();
      oldest.next();
      oldest.remove();
    }
  }

  public synchronized void prune(long nowMs) {
    seen.values().removeIf(expires -> expires < nowMs);
  }

  public synchronized int size() {
    return seen.size();
  }

  /** A copy, oldest first, for persisting. */
  public synchronized Map<String, Long> snapshot() {
    return new LinkedHashMap<>(seen);
  }
}
