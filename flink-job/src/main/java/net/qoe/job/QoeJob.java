package net.qoe.job;

import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import net.qoe.job.baseline.BaselinePolicy;
import net.qoe.job.baseline.ScoredWindow;
import net.qoe.job.baseline.SeriesBaselines;
import net.qoe.job.config.JobConfig;
import net.qoe.job.diagnosis.CorrelateScope;
import net.qoe.job.diagnosis.Diagnose;
import net.qoe.job.diagnosis.DiagnosedWindow;
import net.qoe.job.diagnosis.Diagnoser;
import net.qoe.job.escalation.AutoPerfConfig;
import net.qoe.job.escalation.FastPathRuns;
import net.qoe.job.escalation.TierEscalator;
import net.qoe.job.escalation.TierTransition;
import net.qoe.job.ingest.IngestResult;
import net.qoe.job.ingest.MeasurementDeserializer;
import net.qoe.job.ingest.MessageTypes;
import net.qoe.job.ingest.SplitDeadLetters;
import net.qoe.job.rollup.LatestPerWindow;
import net.qoe.job.rollup.MergeAggregates;
import net.qoe.job.rollup.Resolution;
import net.qoe.job.rollup.StampRollupWindow;
import net.qoe.job.sink.EscalationSinks;
import net.qoe.job.sink.Sinks;
import net.qoe.job.window.LateMeasurements;
import net.qoe.job.window.SeriesAggregate;
import net.qoe.job.window.SeriesKeys;
import net.qoe.job.window.SeriesWindows;
import net.qoe.kafka.message.DeadLetter;
import net.qoe.kafka.message.Measurement;
import net.qoe.kafka.serde.MessageSigner;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * The QoE job, wired in one place: measurements from Kafka, dead letters split off, event-time
 * windows per series, aggregates to Postgres. Sources and sinks are injected so that tests can run
 * the same pipeline on other ones; {@link #main} plugs in Kafka and JDBC.
 */
public final class QoeJob {

  public static final String JOB_NAME = "qoe-pipeline";

  private final JobConfig config;
  private final Source<IngestResult, ?, ?> source;
  private final Sink<DiagnosedWindow> aggregateSink;
  private final Sink<DeadLetter> deadLetterSink;
  private final Map<Resolution, Sink<SeriesAggregate>> rollupSinks;
  private Escalation escalation;
  private Sink<DiagnosedWindow> baselineSink;
  private BaselinePolicy baselinePolicy = BaselinePolicy.defaults();

  /**
   * AutoPerf: the state machine's policy, where its commands go (null: record only), and where the
   * transition history goes.
   */
  public record Escalation(
      AutoPerfConfig policy, Sink<TierTransition> commands, Sink<TierTransition> history) {}

  /**
   * The job without rollups: measurements to base-window aggregates (scored against their
   * baselines, diagnosed, scoped) and dead letters.
   */
  public QoeJob(
      JobConfig config,
      Source<IngestResult, ?, ?> source,
      Sink<DiagnosedWindow> aggregateSink,
      Sink<DeadLetter> deadLetterSink) {
    this(config, source, aggregateSink, deadLetterSink, Map.of());
  }

  private QoeJob(
      JobConfig config,
      Source<IngestResult, ?, ?> source,
      Sink<DiagnosedWindow> aggregateSink,
      Sink<DeadLetter> deadLetterSink,
      Map<Resolution, Sink<SeriesAggregate>> rollupSinks) {
    this.config = config;
    this.source = source;
    this.aggregateSink = aggregateSink;
    this.deadLetterSink = deadLetterSink;
    this.rollupSinks = rollupSinks.isEmpty() ? Map.of() : new EnumMap<>(rollupSinks);
    this.baselinePolicy =
        BaselinePolicy.defaults()
            .withWarmup(config.baselineWarmup())
            .withBand(config.baselineBand());
  }

  /**
   * The same job that also rolls its aggregates up into coarser windows (5 minutes, 1 hour) and
   * writes each resolution to its sink. A resolution the base window does not divide is skipped.
   */
  public QoeJob withRollupSinks(Map<Resolution, Sink<SeriesAggregate>> sinks) {
    QoeJob job = new QoeJob(config, source, aggregateSink, deadLetterSink, sinks);
    job.escalation = escalation;
    job.baselineSink = baselineSink;
    job.baselinePolicy = baselinePolicy;
    return job;
  }

  /** Also writes the newest baseline per series and headline ({@code baselines_latest}). */
  public QoeJob withBaselineSink(Sink<DiagnosedWindow> sink) {
    this.baselineSink = sink;
    return this;
  }

  /**
   * How baselines learn and score (defaults: {@link BaselinePolicy#defaults()} with the configured
   * warm-up and band).
   */
  public QoeJob withBaselinePolicy(BaselinePolicy policy) {
    this.baselinePolicy = policy;
    return this;
  }

  /** Adds tier escalation to the job. */
  public QoeJob withEscalation(Escalation escalation) {
    this.escalation = escalation;
    return this;
  }

  /**
   * The job with its production parts: Kafka in, Postgres and the dead-letter topic out, rollups,
   * and AutoPerf escalation (signed commands only when a command secret is configured).
   */
  public static QoeJob withKafkaAndPostgres(JobConfig config) {
    return production(config, kafkaSource(config));
  }

  /**
   * {@link #withKafkaAndPostgres} reading from {@code source} instead of the configured topic (a
   * bounded one, say, as the benchmark runs it): the same stages and sinks.
   */
  public static QoeJob production(JobConfig config, Source<IngestResult, ?, ?> source) {
    Map<Resolution, Sink<SeriesAggregate>> rollups = new EnumMap<>(Resolution.class);
    for (Resolution r : Resolution.values()) {
      rollups.put(r, Sinks.rollups(config, r));
    }
    AutoPerfConfig policy =
        AutoPerfConfig.load(
            config.autoperfConfig().isEmpty() ? null : Path.of(config.autoperfConfig()),
            System.getenv());
    Sink<TierTransition> commands =
        config.commandSecret().isEmpty()
            ? null
            : EscalationSinks.commands(
                config.bootstrapServers(),
                config.commandsTopic(),
                MessageSigner.fromSecret(config.commandSecret()),
                config.groupId() + "-commands");
    return new QoeJob(config, source, Sinks.aggregates(config), Sinks.deadLetters(config))
        .withRollupSinks(rollups)
        .withBaselineSink(Sinks.baselines(config))
        .withEscalation(
            new Escalation(policy, commands, EscalationSinks.history(Sinks.connection(config))));
  }

  public static KafkaSource<IngestResult> kafkaSource(JobConfig config) {
    return kafkaSourceBuilder(config).build();
  }

  /**
   * The job's Kafka source, to build as it is or bounded (as the benchmark reads a topic to its
   * end). Its consumer takes up to {@value #MAX_POLL_RECORDS} records per poll, as many as a
   * partition's fetch holds: the source's fetcher hands each poll to the task as one batch, and the
   * default of 500 made ten hand-overs of what is one fetch.
   */
  public static KafkaSourceBuilder<IngestResult> kafkaSourceBuilder(JobConfig config) {
    OffsetsInitializer start =
        switch (config.startingOffsets()) {
          case "earliest" -> OffsetsInitializer.earliest();
          case "latest" -> OffsetsInitializer.latest();
          default -> OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
        };
    return KafkaSource.<IngestResult>builder()
        .setBootstrapServers(config.bootstrapServers())
        .setTopics(config.measurementsTopic())
        .setGroupId(config.groupId())
        .setStartingOffsets(start)
        .setDeserializer(new MeasurementDeserializer())
        .setProperty("commit.offsets.on.checkpoint", "true")
        .setProperty("partition.discovery.interval.ms", "60000")
        .setProperty(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(MAX_POLL_RECORDS));
  }

  static final int MAX_POLL_RECORDS = 5000;

  /**
   * Job-wide settings: checkpoints (and where they go), restarts, the state backend, and no silent
   * fallback to Kryo. RocksDB ships with the Flink distribution (and is {@code provided} here), so
   * it is chosen by name; its other settings (incremental checkpoints, memory) come from the
   * cluster's config.
   */
  public static void configure(StreamExecutionEnvironment env, JobConfig config) {
    Configuration conf = new Configuration();
    conf.set(PipelineOptions.GENERIC_TYPES, false);
    conf.set(StateBackendOptions.STATE_BACKEND, config.stateBackend());
    if (!config.checkpointDir().isEmpty()) {
      conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
      conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, config.checkpointDir());
    }
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "exponential-delay");
    conf.set(
        RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF,
        Duration.ofSeconds(1));
    conf.set(
        RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF,
        Duration.ofSeconds(30));
    env.configure(conf);
    env.enableCheckpointing(config.checkpointInterval().toMillis(), CheckpointingMode.EXACTLY_ONCE);
  }

  /** Builds the pipeline into {@code env}. */
  public void build(StreamExecutionEnvironment env) {
    WatermarkStrategy<IngestResult> watermarks =
        WatermarkStrategy.<IngestResult>forBoundedOutOfOrderness(config.outOfOrderness())
            // A dead letter's event time is its record's timestamp, but never later than now: a
            // rejected record (a probe clock an hour ahead, say) must not carry the split's
            // watermark past what a valid measurement could, or every good one after it is late.
            .withTimestampAssigner(
                (result, kafkaTimestamp) ->
                    result.isMeasurement()
                        ? result.measurement().tsMs()
                        : Math.min(kafkaTimestamp, System.currentTimeMillis()))
            .withIdleness(config.idleness());

    SingleOutputStreamOperator<Measurement> measurements =
        env.fromSource(source, watermarks, "measurements")
            .uid("source-measurements")
            .process(new SplitDeadLetters())
            .returns(MessageTypes.MEASUREMENT)
            .name("split dead letters")
            .uid("split-dead-letters");

    SingleOutputStreamOperator<SeriesAggregate> aggregates = seriesAggregates(measurements, config);

    DataStream<DiagnosedWindow> diagnosed =
        diagnose(aggregates, baselinePolicy, config.allowedLateness(), certDays());

    diagnosed.sinkTo(aggregateSink).name("postgres agg_1m").uid("sink-agg-1m");
    if (baselineSink != null) {
      diagnosed
          .filter(w -> !w.scored().scores().isEmpty())
          .name("scored windows")
          .uid("scored-windows")
          .sinkTo(baselineSink)
          .name("postgres baselines_latest")
          .uid("sink-baselines-latest");
    }

    if (!rollupSinks.isEmpty()) {
      DataStream<SeriesAggregate> finer = aggregates;
      for (Resolution r : Resolution.values()) {
        if (!rollsUp(config.window(), r)) {
          continue;
        }
        SingleOutputStreamOperator<SeriesAggregate> rolled = rollup(finer, r, config);
        Sink<SeriesAggregate> sink = rollupSinks.get(r);
        if (sink != null) {
          rolled.sinkTo(sink).name("postgres " + r.seriesTable).uid("sink-agg-" + r.label);
        }
        finer = rolled;
      }
    }

    if (escalation != null) {
      SingleOutputStreamOperator<TierTransition> transitions =
          diagnosed
              .connect(
                  // Still partitioned by series, in the keyed task that emitted them.
                  DataStreamUtils.reinterpretAsKeyedStream(
                          aggregates.getSideOutput(SeriesWindows.UNIQUE),
                          SeriesKeys::keyOf,
                          Types.STRING)
                      .process(new FastPathRuns(escalation.policy()))
                      .returns(MessageTypes.MEASUREMENT)
                      .name("runs for the fast path")
                      .uid("fast-path-runs"))
              .keyBy(w -> w.aggregate().probeId(), Measurement::probeId, Types.STRING)
              .process(new TierEscalator(escalation.policy()))
              .returns(TypeInformation.of(TierTransition.class))
              .name("autoperf escalation")
              .uid("autoperf-escalation");
      if (escalation.commands() != null) {
        transitions.sinkTo(escalation.commands()).name("tier commands").uid("sink-commands");
      }
      transitions
          .filter(t -> !t.isRefresh())
          .name("tier changes")
          .uid("tier-changes")
          .sinkTo(escalation.history())
          .name("postgres tier_transitions")
          .uid("sink-tier-transitions");
    }

    DataStream<DeadLetter> late =
        aggregates
            .getSideOutput(SeriesWindows.LATE)
            .map(new LateMeasurements())
            .returns(MessageTypes.DEAD_LETTER)
            .name("late measurements")
            .uid("late-measurements");

    measurements
        .getSideOutput(SplitDeadLetters.DEAD_LETTERS)
        .union(late)
        .sinkTo(deadLetterSink)
        .name("dead letters")
        .uid("sink-dlq");
  }

  /**
   * Dedupe and tumbling event-time windows per series, in one keyed step ({@link SeriesWindows}).
   * Within the allowed lateness a late measurement re-fires its window with the complete updated
   * aggregate (the accumulator is kept until then); later ones go to {@link SeriesWindows#LATE}, so
   * a finished aggregate is never replaced by a partial one. The uid is dedupe's from before the
   * two were one step, so that the event ids remembered in a savepoint of that version are kept;
   * its open windows (uid {@code agg-1m}) have no operator to go to, so such a savepoint is
   * restored with {@code --allowNonRestoredState} and those windows start empty.
   */
  static SingleOutputStreamOperator<SeriesAggregate> seriesAggregates(
      DataStream<Measurement> measurements, JobConfig config) {
    return measurements
        .keyBy(SeriesKeys::keyOf, Types.STRING)
        .process(
            SeriesWindows.create(
                config.window(),
                config.allowedLateness(),
                config.dedupeTtl(),
                config.stateBackend()))
        .returns(SeriesAggregate.TYPE)
        .name("dedupe and series windows")
        .uid("dedupe-by-series");
  }

  /**
   * Certificates closer to expiry than this many days are labelled cert-expiring: the tier-2 {@code
   * ssl_expiry} threshold of autoperf.yml ({@code AUTOPERF_TIER2_SSL_EXPIRY} over it), the same
   * number that escalates a pair from tier 2 to 3; read from the job's {@code --autoperf-config}
   * when no escalation policy is attached.
   */
  double certDays() {
    AutoPerfConfig autoperf =
        escalation != null
            ? escalation.policy()
            : AutoPerfConfig.load(
                config.autoperfConfig().isEmpty() ? null : Path.of(config.autoperfConfig()),
                System.getenv());
    return autoperf.sslExpiryDays();
  }

  /** How the baselines learn and score in this job. */
  BaselinePolicy baselinePolicy() {
    return baselinePolicy;
  }

  /**
   * Stages 4 and 5: per series, the window scored against the series' baselines (keyed state;
   * anomalous windows do not teach them) and given a label and reason; then the cross-probe
   * correlation, keyed by target and then by probe, gives it a scope. Each window is released as
   * soon as the watermark passes its end, so this adds no delay beyond the window itself.
   */
  static SingleOutputStreamOperator<DiagnosedWindow> diagnose(
      DataStream<SeriesAggregate> aggregates,
      BaselinePolicy policy,
      Duration allowedLateness,
      double certDays) {
    long lateness = allowedLateness.toMillis();
    return aggregates
        .keyBy(SeriesKeys::keyOf, Types.STRING)
        .process(new SeriesBaselines(policy))
        .returns(TypeInformation.of(ScoredWindow.class))
        .name("baselines and anomaly scores")
        .uid("baselines")
        .map(new Diagnose(new Diagnoser(policy.anomalyScore(), certDays)))
        .returns(DiagnosedWindow.TYPE)
        .name("diagnosis")
        .uid("diagnosis")
        .keyBy(w -> CorrelateScope.keyOf(w, CorrelateScope.Side.TARGET), Types.STRING)
        .process(new CorrelateScope(CorrelateScope.Side.TARGET, lateness))
        .returns(DiagnosedWindow.TYPE)
        .name("correlate by target")
        .uid("scope-by-target")
        .keyBy(w -> CorrelateScope.keyOf(w, CorrelateScope.Side.PROBE), Types.STRING)
        .process(new CorrelateScope(CorrelateScope.Side.PROBE, lateness))
        .returns(DiagnosedWindow.TYPE)
        .name("correlate by probe: scope")
        .uid("scope-by-probe");
  }

  /** Whether windows of {@code window} tile a {@code resolution} window exactly. */
  static boolean rollsUp(Duration window, Resolution resolution) {
    long w = window.toMillis();
    long r = resolution.size.toMillis();
    return r > w && r % w == 0;
  }

  /**
   * One rollup level: the finer aggregates of a series merged per coarser window. A finer window
   * emits at its end (timestamp end − 1, inside the coarser window) and can re-fire for late data
   * until the watermark passes its end + allowed lateness; the coarser window ends no earlier, so
   * with the same allowed lateness no re-fired aggregate is ever late here, and it replaces its
   * earlier version in {@link LatestPerWindow} rather than being added twice.
   */
  static SingleOutputStreamOperator<SeriesAggregate> rollup(
      DataStream<SeriesAggregate> finer, Resolution resolution, JobConfig config) {
    return finer
        .keyBy(SeriesKeys::keyOf, Types.STRING)
        .window(TumblingEventTimeWindows.of(resolution.size))
        .allowedLateness(config.allowedLateness())
        .aggregate(new MergeAggregates(), new StampRollupWindow())
        .name(resolution.label + " rollups")
        .uid("agg-" + resolution.label);
  }

  public JobExecutionResult execute(StreamExecutionEnvironment env) throws Exception {
    build(env);
    return env.execute(JOB_NAME);
  }

  public JobClient executeAsync(StreamExecutionEnvironment env) throws Exception {
    build(env);
    return env.executeAsync(JOB_NAME);
  }

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
      System.out.println("qoe-pipeline Flink job\n" + JobConfig.usage());
      return;
    }
    JobConfig config;
    try {
      config = JobConfig.fromArgs(args);
    } catch (JobConfig.InvalidConfigException e) {
      System.err.println(e.getMessage());
      System.err.println(JobConfig.usage());
      throw e;
    }
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    configure(env, config);
    withKafkaAndPostgres(config).execute(env);
  }
}
