-- Rate limits shared by all replicas: one token bucket per caller (token subject), kept as its
-- theoretical arrival time in microseconds since the epoch (see security.TokenBucket). A row
-- whose tat_micros is not after now is a full bucket and may be deleted. UNLOGGED: it is written
-- on every request and nothing is lost that matters if a crash empties it (buckets start full).
CREATE UNLOGGED TABLE rate_limit_buckets (
    caller     text   PRIMARY KEY,
    tat_micros bigint NOT NULL
);
