package net.qoe.probe.tests;

/** A run stopped in a stage; becomes {@code ok=false, error={stage, message}}. */
public final class StageFailure extends Exception {

  private static final long serialVersionUID = 1L;

  private final String stage;

  public StageFailure(String stage, String message) {
    super(message);
    this.stage = stage;
  }

  public String stage() {
    return stage;
  }
}
