package net.qoe.job.diagnosis;

import net.qoe.job.baseline.ScoredWindow;
import org.apache.flink.api.common.functions.MapFunction;

/** Gives every scored window its label and reason ({@link Diagnoser}); the scope comes later. */
public final class Diagnose implements MapFunction<ScoredWindow, DiagnosedWindow> {

  private static final long serialVersionUID = 1L;

  private final Diagnoser diagnoser;

  public Diagnose(Diagnoser diagnoser) {
    this.diagnoser = diagnoser;
  }

  @Override
  public DiagnosedWindow map(ScoredWindow w) {
    Diagnosis d = diagnoser.diagnose(w);
    if (w.scores().isEmpty() && Diagnosis.NORMAL.equals(d.label())) {
      d = new Diagnosis(Diagnosis.NORMAL, "baseline warming up");
    }
    return DiagnosedWindow.of(w, d);
  }
}
