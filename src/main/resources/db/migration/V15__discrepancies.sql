-- Discrepancies (owned by reconcile): what the chain and the store disagree on, recorded once and
-- shown to auditors and operators, never fixed silently. An operator acknowledges one with a note.
ALTER TABLE discrepancies ADD COLUMN state TEXT NOT NULL DEFAULT 'OPEN'
    CHECK (state IN ('OPEN', 'ACKNOWLEDGED'));
UPDATE discrepancies SET state = 'ACKNOWLEDGED' WHERE resolved;
ALTER TABLE discrepancies DROP COLUMN resolved;
ALTER TABLE discrepancies ADD COLUMN integrator_id TEXT;          -- whose cash-out it concerns, when known
ALTER TABLE discrepancies ADD COLUMN acknowledged_by TEXT;
ALTER TABLE discrepancies ADD COLUMN acknowledged_at TIMESTAMPTZ;
ALTER TABLE discrepancies ADD COLUMN acknowledge_note TEXT CHECK (length(acknowledge_note) <= 2000);
ALTER TABLE discrepancies ADD CONSTRAINT discrepancies_ack_check
    CHECK ((state = 'OPEN') = (acknowledged_at IS NULL));
-- a disagreement with no log behind it (a submission with no receipt) is recorded once per cash-out and transaction
CREATE UNIQUE INDEX discrepancies_nolog_uq ON discrepancies (kind, cashout_id, coalesce(tx_hash, ''))
    WHERE block_hash IS NULL;
CREATE INDEX discrepancies_list_idx ON discrepancies (created_at DESC, id DESC);
