package net.qoe.probe.tests;

import net.qoe.kafka.message.Measurement;
import net.qoe.probe.config.TargetConfig;
import net.qoe.probe.config.TestSpec;

/**
 * One kind of test (http, tcp, udp, …): runs once against a target and describes what it saw.
 *
 * <p>A run never throws: failures become {@code ok=false} with the stage that failed, keeping the
 * timings of the stages before it, and a run returns within its context's timeout. Implementations
 * are stateless and safe to run concurrently.
 */
public interface ProbeTest {

  /** The name used in configuration and in {@code Measurement.test}. */
  String name();

  /**
   * @param ctx who runs it and its time budget
   * @param target what is measured; its name becomes {@code Measurement.target}
   * @param spec the test's options, completed by {@link net.qoe.probe.config.ProbeConfig}
   */
  Measurement run(TestContext ctx, TargetConfig target, TestSpec spec);
}
