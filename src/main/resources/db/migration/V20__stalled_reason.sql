-- A stalled lane's alert reason and detail live on the transaction beside stalled_since, so the
-- readiness check reads them in the commit that raised the alert. Its settlement.stalled audit
-- event carries the same payload but only reaches audit_events once the sealer has chained it.
ALTER TABLE settlement_txs ADD COLUMN stalled_reason text;
ALTER TABLE settlement_txs ADD COLUMN stalled_detail text;
UPDATE settlement_txs SET stalled_reason = 'stalled', stalled_detail = coalesce(last_error, '') WHERE stalled_since IS NOT NULL;
ALTER TABLE settlement_txs ADD CONSTRAINT settlement_txs_stalled_reason_check
    CHECK ((stalled_since IS NULL) = (stalled_reason IS NULL));
