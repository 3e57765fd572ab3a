package net.qoe.probe.config;

import java.util.List;

/**
 * The configuration cannot be used. Carries every problem found, one line per bad field in the form
 * {@code path: what is wrong}, so a user can fix them all in one go.
 */
public final class ConfigException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final List<String> problems;

  public ConfigException(List<String> problems) {
    super(describe(problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }

  private static String describe(List<String> problems) {
    StringBuilder sb =
        new StringBuilder("invalid probe configuration (")
            .append(problems.size())
            .append(problems.size() == 1 ? " problem):" : " problems):");
    for (String p : problems) {
      sb.append("\n  - ").append(p);
    }
    return sb.toString();
  }
}
