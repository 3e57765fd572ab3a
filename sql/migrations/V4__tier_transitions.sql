-- The AutoPerf history: every tier change of a (probe, target) pair, as decided by the job and
-- sent to the probe as a signed command (the seed's "triggers"). Refreshes of a tier in force
-- are not transitions and are not stored here.
--
-- command_id is derived from the decision itself, so a decision replayed after a restart is the
-- same row (ON CONFLICT DO NOTHING).

CREATE TABLE tier_transitions (
    command_id        uuid        PRIMARY KEY,
    probe_id          text        NOT NULL,
    target            text        NOT NULL,
    from_tier         smallint    NOT NULL CHECK (from_tier BETWEEN 1 AND 3),
    to_tier           smallint    NOT NULL CHECK (to_tier BETWEEN 1 AND 3),
    reason            text        NOT NULL,
    at                timestamptz NOT NULL,
    previous_tier_ms  bigint      NOT NULL CHECK (previous_tier_ms >= 0),
    expires_at        timestamptz NOT NULL,
    tests             text[]      NOT NULL DEFAULT '{}',
    CHECK (from_tier <> to_tier)
);

CREATE INDEX tier_transitions_pair_idx ON tier_transitions (probe_id, target, at);
CREATE INDEX tier_transitions_at_idx ON tier_transitions (at);

COMMENT ON TABLE tier_transitions IS 'AutoPerf escalations and de-escalations per (probe, target)';
COMMENT ON COLUMN tier_transitions.reason IS 'why, with the numbers, e.g. http total p95 2450 ms > 2000 ms for 1 window';
COMMENT ON COLUMN tier_transitions.previous_tier_ms IS 'how long the pair had been in from_tier';

GRANT SELECT ON tier_transitions TO qoe_reader;
