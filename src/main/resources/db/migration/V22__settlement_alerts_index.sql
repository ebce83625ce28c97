-- The readiness check reads the settlement.stalled alerts that outlive their transaction's flight
-- (cancelled, nonce_used_elsewhere; docs/settlement.md, "When an alert fires") as well as the lanes
-- stalled now: a partial index that holds only the transactions that raised an alert keeps each
-- check a few index reads however long settlement_txs grows.
CREATE INDEX settlement_txs_alerts_idx ON settlement_txs (stalled_reason, stalled_since) WHERE stalled_since IS NOT NULL;
