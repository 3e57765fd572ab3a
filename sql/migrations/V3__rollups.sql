-- Five-minute and one-hour rollups, built by the Flink job by merging the one-minute aggregates
-- (counts and packets add, sketches merge exactly, jitter is sample-weighted); no raw data is
-- read again. Same shape as agg_1m / agg_1m_metric (V1), same upsert guard: a rollup re-fired
-- by late data replaces its row, never with a smaller count.
--
-- p5 is added to every *_metric table: for throughput and bandwidth the low tail is the one that
-- matters (p5 of throughput_mbps is "the slowest 5 % of runs"), as p95 is for latencies.

ALTER TABLE agg_1m_metric ADD COLUMN p5 double precision;
COMMENT ON COLUMN agg_1m_metric.p5 IS '5th percentile (the low tail: throughput, bandwidth); null for rows written before V3';

CREATE TABLE agg_5m (LIKE agg_1m INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
    PRIMARY KEY (probe_id, target, test, window_start)
) PARTITION BY RANGE (window_start);
CREATE TABLE agg_5m_default PARTITION OF agg_5m DEFAULT;
CREATE INDEX agg_5m_window_idx ON agg_5m (window_start);

CREATE TABLE agg_5m_metric (LIKE agg_1m_metric INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
    PRIMARY KEY (probe_id, target, test, metric, window_start)
) PARTITION BY RANGE (window_start);
CREATE TABLE agg_5m_metric_default PARTITION OF agg_5m_metric DEFAULT;
CREATE INDEX agg_5m_metric_window_idx ON agg_5m_metric (metric, window_start);

CREATE TABLE agg_1h (LIKE agg_1m INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
    PRIMARY KEY (probe_id, target, test, window_start)
) PARTITION BY RANGE (window_start);
CREATE TABLE agg_1h_default PARTITION OF agg_1h DEFAULT;
CREATE INDEX agg_1h_window_idx ON agg_1h (window_start);

CREATE TABLE agg_1h_metric (LIKE agg_1m_metric INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
    PRIMARY KEY (probe_id, target, test, metric, window_start)
) PARTITION BY RANGE (window_start);
CREATE TABLE agg_1h_metric_default PARTITION OF agg_1h_metric DEFAULT;
CREATE INDEX agg_1h_metric_window_idx ON agg_1h_metric (metric, window_start);

COMMENT ON TABLE agg_5m IS 'Per-series five-minute rollups of agg_1m (Flink job, idempotent upserts)';
COMMENT ON TABLE agg_5m_metric IS 'Per-series, per-metric five-minute percentiles from merged one-minute DDSketches';
COMMENT ON TABLE agg_1h IS 'Per-series one-hour rollups of the five-minute rollups (Flink job, idempotent upserts)';
COMMENT ON TABLE agg_1h_metric IS 'Per-series, per-metric one-hour percentiles from merged DDSketches';
COMMENT ON COLUMN agg_5m.jitter_ms IS 'sample-weighted mean of the one-minute RFC 3550 estimates';
COMMENT ON COLUMN agg_1h.jitter_ms IS 'sample-weighted mean of the five-minute estimates';

GRANT SELECT ON agg_5m, agg_5m_metric, agg_1h, agg_1h_metric TO qoe_reader;
