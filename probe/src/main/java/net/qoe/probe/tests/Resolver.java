package net.qoe.probe.tests;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Name resolution bounded by the run's deadline. The JDK resolver takes no timeout and the system
 * one may take many seconds, so lookups run on a few dedicated threads and the run waits only as
 * long as its budget allows. The time recorded is the lookup's own, without the hand-over.
 */
final class Resolver {

  private static final AtomicInteger THREADS = new AtomicInteger();
  private static final ExecutorService LOOKUPS =
      Executors.newFixedThreadPool(
          4,
          r -> {
            Thread t = new Thread(r, "dns-lookup-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
          });

  private record Lookup(InetAddress address, long startNanos, long endNanos) {}

  private Resolver() {}

  /** Resolves {@code host} and records dns_ms. */
  static InetAddress resolve(String host, Deadline deadline, MeasurementBuilder m)
      throws StageFailure {
    Future<Lookup> lookup =
        LOOKUPS.submit(
            () -> {
              long start = System.nanoTime();
              InetAddress address = InetAddress.getByName(host);
              return new Lookup(address, start, System.nanoTime());
            });
    try {
      Lookup done = lookup.get(Math.max(0, deadline.remainingNanos()), TimeUnit.NANOSECONDS);
      m.metric("dns_ms", (done.endNanos() - done.startNanos()) / 1e6);
      return done.address();
    } catch (TimeoutException e) {
      lookup.cancel(true);
      throw deadline.expired("dns: resolving " + host);
    } catch (InterruptedException e) {
      lookup.cancel(true);
      Thread.currentThread().interrupt();
      throw new StageFailure(Stage.TIMEOUT, "dns: interrupted while resolving " + host);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof UnknownHostException) {
        throw new StageFailure(Stage.DNS, "cannot resolve " + host);
      }
      throw new StageFailure(Stage.DNS, "resolving " + host + ": " + e.getCause());
    }
  }
}
