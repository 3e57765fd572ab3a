package net.qoe.probe.autoperf;

/** Told about every tier change; must return quickly (it runs on the runner's thread). */
@FunctionalInterface
public interface TierListener {
  void onTierChange(String probeId, Trigger trigger);
}
