package net.qoe.stack.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/** What the benchmark commands share: their {@code --name value} flags and a scratch directory. */
final class BenchArgs {

  private BenchArgs() {}

  /** {@code --name value} pairs, in order; anything else is refused with the offending word. */
  static Map<String, String> flags(String[] args) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i += 2) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException("expected --name value pairs, got " + args[i]);
      }
      m.put(args[i].substring(2), args[i + 1]);
    }
    return m;
  }
}
