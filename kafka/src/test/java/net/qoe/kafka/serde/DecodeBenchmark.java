package net.qoe.kafka.serde;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import net.qoe.kafka.message.Measurement;

/**
 * Decodes per second of a measurement, tree path against the streaming fast path, single thread, on
 * a realistic mix: half http with five phase timings (plus status and bytes), half udp with ten
 * round-trip times (about 1 % lost). Not a test; run its main, e.g.
 *
 * <pre>
 * java -cp kafka/target/classes:kafka/target/test-classes:$(deps) \
 *     net.qoe.kafka.serde.DecodeBenchmark [rounds] [seconds per round]
 * </pre>
 */
public final class DecodeBenchmark {

  private interface Decoder {
    Measurement decode(byte[] bytes) throws MalformedMessageException;
  }

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 2;
    MessageSerde<Measurement> serde = MessageSerde.MEASUREMENT;
    Random r = new Random(42);
    byte[][] corpus = new byte[10_000][];
    long bytes = 0;
    for (int i = 0; i < corpus.length; i++) {
      Measurement m = i % 2 == 0 ? http(r, i) : udp(r, i);
      corpus[i] = serde.toBytes(m);
      bytes += corpus[i].length;
      if (!serde.decodeViaTree(corpus[i]).equals(serde.fromBytes(corpus[i]))) {
        throw new AssertionError("paths disagree on " + serde.toJson(m));
      }
    }
    System.out.printf(
        Locale.ROOT,
        "corpus: %,d measurements (http 5 phases / udp 10 rtts), %.0f bytes each on average%n",
        corpus.length,
        (double) bytes / corpus.length);
    Decoder tree = serde::decodeViaTree;
    Decoder fast = serde::fromBytes;
    // Warm-up of both, then alternating measured rounds.
    run(tree, corpus, 1.0);
    run(fast, corpus, 1.0);
    double bestTree = 0;
    double bestFast = 0;
    for (int round = 1; round <= rounds; round++) {
      double t = run(tree, corpus, seconds);
      double f = run(fast, corpus, seconds);
      bestTree = Math.max(bestTree, t);
      bestFast = Math.max(bestFast, f);
      System.out.printf(
          Locale.ROOT,
          "round %d: tree %,.0f decodes/s   streaming %,.0f decodes/s   (x%.2f)%n",
          round,
          t,
          f,
          f / t);
    }
    System.out.printf(
        Locale.ROOT,
        "best: tree %,.0f decodes/s (%.2f µs each)   streaming %,.0f decodes/s (%.2f µs each)"
            + "   speed-up x%.2f%n",
        bestTree,
        1e6 / bestTree,
        bestFast,
        1e6 / bestFast,
        bestFast / bestTree);
  }

  private static long sink;

  private static double run(Decoder decoder, byte[][] corpus, double seconds) throws Exception {
    long deadline = System.nanoTime() + (long) (seconds * 1e9);
    long t0 = System.nanoTime();
    long n = 0;
    long acc = 0;
    while (System.nanoTime() < deadline) {
      for (byte[] b : corpus) {
        acc += decoder.decode(b).tsMs();
      }
      n += corpus.length;
    }
    long elapsed = System.nanoTime() - t0;
    sink += acc;
    return n / (elapsed / 1e9);
  }

  private static Measurement http(Random r, int i) {
    double dns = 0.5 + r.nextDouble();
    double connect = 0.3 + r.nextDouble();
    double tls = 2 + 3 * r.nextDouble();
    double ttfb = Math.exp(3 + 0.5 * r.nextGaussian());
    double total = dns + connect + tls + ttfb + r.nextDouble();
    return new Measurement(
        1,
        UUID.randomUUID().toString(),
        "probe-" + (i % 50),
        "target-" + (i % 20),
        "http",
        1,
        1_767_225_600_000L + i * 100L,
        true,
        null,
        null,
        null,
        null,
        Map.of(
            "dns_ms", dns,
            "connect_ms", connect,
            "tls_ms", tls,
            "ttfb_ms", ttfb,
            "total_ms", total,
            "status", 200.0,
            "bytes", 5120.0));
  }

  private static Measurement udp(Random r, int i) {
    Double[] rtts = new Double[10];
    int received = 0;
    for (int k = 0; k < rtts.length; k++) {
      rtts[k] = r.nextDouble() < 0.01 ? null : Math.exp(1 + 0.3 * r.nextGaussian());
      received += rtts[k] == null ? 0 : 1;
    }
    return new Measurement(
        1,
        UUID.randomUUID().toString(),
        "probe-" + (i % 50),
        "target-" + (i % 20),
        "udp",
        1,
        1_767_225_600_000L + i * 100L,
        received > 0,
        null,
        Arrays.asList(rtts),
        10,
        received,
        Map.of());
  }

  private DecodeBenchmark() {}
}
