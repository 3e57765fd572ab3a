-- One-minute aggregates per series (probe, target, test), written by the Flink job.
--
-- Two tables: agg_1m holds what is per series and window (counts, errors, packets, jitter);
-- agg_1m_metric holds one row per named metric with its percentiles and the encoded DDSketch,
-- so that rollups can merge sketches exactly and SQL can ask for any metric's percentile.
--
-- Both are partitioned by window_start: retention (tier 1 7 d, tier 2 30 d, tier 3 90 d,
-- aggregates 1 y) drops whole partitions. Until range partitions are created, rows land in the
-- default partition.
--
-- The job upserts: a window re-fired by late data, or replayed after a restart, replaces its
-- row, but never with a smaller count (a partial aggregate never overwrites a complete one).

CREATE TABLE agg_1m (
    probe_id          text             NOT NULL,
    target            text             NOT NULL,
    test              text             NOT NULL,
    window_start      timestamptz      NOT NULL,
    window_end        timestamptz      NOT NULL,
    tier              smallint         NOT NULL CHECK (tier BETWEEN 1 AND 3),
    count             bigint           NOT NULL CHECK (count >= 0),
    ok_count          bigint           NOT NULL CHECK (ok_count >= 0),
    error_count       bigint           NOT NULL CHECK (error_count >= 0),
    errors_by_stage   jsonb            NOT NULL DEFAULT '{}'::jsonb,
    packets_sent      bigint           NOT NULL DEFAULT 0,
    packets_received  bigint           NOT NULL DEFAULT 0,
    loss_pct          double precision CHECK (loss_pct BETWEEN 0 AND 100),
    jitter_ms         double precision CHECK (jitter_ms >= 0),
    jitter_samples    bigint           NOT NULL DEFAULT 0,
    updated_at        timestamptz      NOT NULL DEFAULT now(),
    PRIMARY KEY (probe_id, target, test, window_start)
) PARTITION BY RANGE (window_start);

CREATE TABLE agg_1m_default PARTITION OF agg_1m DEFAULT;

CREATE INDEX agg_1m_window_idx ON agg_1m (window_start);

COMMENT ON TABLE agg_1m IS 'Per-series one-minute window aggregates (Flink job, idempotent upserts)';
COMMENT ON COLUMN agg_1m.tier IS 'highest tier among the window''s measurements';
COMMENT ON COLUMN agg_1m.errors_by_stage IS 'failed runs by stage, e.g. {"dns": 2, "timeout": 1}';
COMMENT ON COLUMN agg_1m.loss_pct IS '100 * (sent - received) / sent over all packets of the window; null when the test sends none';
COMMENT ON COLUMN agg_1m.jitter_ms IS 'RFC 3550 interarrival jitter estimate over the packet RTT sequence at window end';

CREATE TABLE agg_1m_metric (
    probe_id      text             NOT NULL,
    target        text             NOT NULL,
    test          text             NOT NULL,
    window_start  timestamptz      NOT NULL,
    metric        text             NOT NULL,
    count         bigint           NOT NULL CHECK (count > 0),
    min           double precision NOT NULL,
    max           double precision NOT NULL,
    mean          double precision NOT NULL,
    p50           double precision NOT NULL,
    p90           double precision NOT NULL,
    p95           double precision NOT NULL,
    p99           double precision NOT NULL,
    sketch        bytea            NOT NULL,
    updated_at    timestamptz      NOT NULL DEFAULT now(),
    PRIMARY KEY (probe_id, target, test, metric, window_start)
) PARTITION BY RANGE (window_start);

CREATE TABLE agg_1m_metric_default PARTITION OF agg_1m_metric DEFAULT;

CREATE INDEX agg_1m_metric_window_idx ON agg_1m_metric (metric, window_start);

COMMENT ON TABLE agg_1m_metric IS 'Per-series, per-metric one-minute percentiles (DDSketch, 1% relative accuracy)';
COMMENT ON COLUMN agg_1m_metric.metric IS 'metric name from the measurement (total_ms, ttfb_ms, rtt_ms, ...)';
COMMENT ON COLUMN agg_1m_metric.sketch IS 'encoded DDSketch, merged exactly by the 5-minute and 1-hour rollups';
