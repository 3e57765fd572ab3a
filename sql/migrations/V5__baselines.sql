-- Baselines, anomaly scores and diagnoses (the Flink job's baseline and diagnosis stages).
--
-- Per window (agg_1m): the worst score against the series' own baselines, whether the window
-- counted as anomalous, the diagnosis (label and a sentence with the numbers) and the scope from
-- cross-probe correlation (target: several probes degraded towards this target; probe: this probe
-- degraded towards several targets; pair: only this pair), plus every headline's score as jsonb.
-- Per metric (agg_1m_metric): the headline statistic of that metric (p95 for latencies, p50 for
-- throughput, mean for hops) against its baseline: the expected value and the band of
-- +/- anomaly-score spreads that Grafana draws around it.
--
-- All columns are null while a series' baselines warm up, and for rows written before V5. The
-- rows are still written by the job's guarded upsert: a re-fired or replayed window replaces them,
-- never with a smaller count.
--
-- baselines_latest keeps the newest baseline per series and headline, for "what is normal for
-- this target now" without scanning the aggregates; its upsert never moves it back in time.

ALTER TABLE agg_1m
    ADD COLUMN anomaly_score    double precision,
    ADD COLUMN worst_headline   text,
    ADD COLUMN anomalous        boolean,
    ADD COLUMN label            text,
    ADD COLUMN reason           text,
    ADD COLUMN scope            text CHECK (scope IN ('target', 'probe', 'pair')),
    ADD COLUMN degraded_probes  integer,
    ADD COLUMN target_probes    integer,
    ADD COLUMN degraded_targets integer,
    ADD COLUMN probe_targets    integer,
    ADD COLUMN baseline_scores  jsonb;

COMMENT ON COLUMN agg_1m.anomaly_score IS 'highest headline score of the window, in spreads above this hour''s baseline (positive = worse); null in warm-up';
COMMENT ON COLUMN agg_1m.worst_headline IS 'the headline with that score, e.g. total_ms.p95, loss_pct, jitter_ms';
COMMENT ON COLUMN agg_1m.anomalous IS 'the window was anomalous and did not feed the baselines';
COMMENT ON COLUMN agg_1m.label IS 'diagnosis: normal, dns-bound, handshake-bound, server-bound, loss, congestion, jitter, latency, path-change, cert-expiring, throughput-bound';
COMMENT ON COLUMN agg_1m.reason IS 'the diagnosis as a sentence with the numbers';
COMMENT ON COLUMN agg_1m.scope IS 'target, probe or pair (cross-probe correlation of the same window); null when not degraded';
COMMENT ON COLUMN agg_1m.degraded_probes IS 'probes degraded towards this target in this window, of target_probes that measured it';
COMMENT ON COLUMN agg_1m.degraded_targets IS 'targets this probe was degraded towards in this window, of probe_targets it measured';
COMMENT ON COLUMN agg_1m.baseline_scores IS 'every headline: {"total_ms.p95": {"value":…, "expected":…, "sigma":…, "score":…}, …}';

ALTER TABLE agg_1m_metric
    ADD COLUMN baseline_stat  text,
    ADD COLUMN baseline       double precision,
    ADD COLUMN band_low       double precision,
    ADD COLUMN band_high      double precision,
    ADD COLUMN score          double precision;

COMMENT ON COLUMN agg_1m_metric.baseline_stat IS 'which statistic of the metric is baselined: p95, p50 or mean';
COMMENT ON COLUMN agg_1m_metric.baseline IS 'expected value of that statistic at this hour of the week';
COMMENT ON COLUMN agg_1m_metric.band_low IS 'baseline - anomaly score * spread';
COMMENT ON COLUMN agg_1m_metric.band_high IS 'baseline + anomaly score * spread';
COMMENT ON COLUMN agg_1m_metric.score IS 'signed score of the statistic in spreads (positive = worse)';

CREATE TABLE baselines_latest (
    probe_id      text             NOT NULL,
    target        text             NOT NULL,
    test          text             NOT NULL,
    headline      text             NOT NULL,
    window_start  timestamptz      NOT NULL,
    value         double precision NOT NULL,
    expected      double precision NOT NULL,
    sigma         double precision NOT NULL CHECK (sigma > 0),
    band_low      double precision NOT NULL,
    band_high     double precision NOT NULL,
    score         double precision NOT NULL,
    anomalous     boolean          NOT NULL,
    updated_at    timestamptz      NOT NULL DEFAULT now(),
    PRIMARY KEY (probe_id, target, test, headline)
);

COMMENT ON TABLE baselines_latest IS 'newest baseline per series and headline metric (Flink job, upserted, never moved back in time)';
COMMENT ON COLUMN baselines_latest.headline IS 'total_ms.p95, rtt_ms.p95, dns_ms.p95, connect_ms.p95, tls_ms.p95, ttfb_ms.p95, jitter_ms, loss_pct, throughput_mbps.p50, hops';
COMMENT ON COLUMN baselines_latest.expected IS 'what the headline was expected to be in window_start''s hour of the week';
COMMENT ON COLUMN baselines_latest.sigma IS 'the spread (one standard deviation equivalent) the score is measured in';

GRANT SELECT ON baselines_latest TO qoe_reader;
