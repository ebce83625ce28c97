-- Settlement that never stops and never pays twice (docs/settlement.md).

-- A transaction is a settleBatch call, or a no-op (a 0-value transfer to itself) that fills the
-- nonce of a settleBatch that can never be valid; the batch's cash-outs go back to the queue once
-- the no-op is final. A replacement the node refused as underpriced is DROPPED (never sent again;
-- the next bump starts above it). A broadcast that fails is tried again at next_broadcast_at,
-- forever, with a growing pause; stalled_since marks a lane whose broadcasts have failed too long.
ALTER TABLE settlement_txs ADD COLUMN kind text NOT NULL DEFAULT 'SETTLE' CHECK (kind IN ('SETTLE', 'CANCEL'));
ALTER TABLE settlement_txs ADD COLUMN next_broadcast_at timestamptz;
ALTER TABLE settlement_txs ADD COLUMN failing_since timestamptz;
ALTER TABLE settlement_txs ADD COLUMN stalled_since timestamptz;
ALTER TABLE settlement_txs ADD COLUMN gas_used bigint;
ALTER TABLE settlement_txs ADD COLUMN effective_gas_price_wei numeric(78);
ALTER TABLE settlement_txs ADD COLUMN mined_block bigint;
ALTER TABLE settlement_txs DROP CONSTRAINT settlement_txs_status_check;
ALTER TABLE settlement_txs ADD CONSTRAINT settlement_txs_status_check
    CHECK (status IN ('SIGNED', 'BROADCAST', 'REPLACED', 'MINED', 'REVERTED', 'DROPPED'));
CREATE INDEX settlement_txs_lane_idx ON settlement_txs (from_address, nonce);
DROP INDEX settlement_txs_first_per_batch_key;
CREATE UNIQUE INDEX settlement_txs_first_per_batch_key ON settlement_txs (batch_id) WHERE replaces_tx_id IS NULL AND kind = 'SETTLE';

ALTER TABLE settlement_batches DROP CONSTRAINT settlement_batches_status_check;
ALTER TABLE settlement_batches ADD CONSTRAINT settlement_batches_status_check
    CHECK (status IN ('BATCHED', 'SUBMITTED', 'SETTLED', 'FAILED', 'CANCELLED'));
ALTER TABLE settlement_batches ADD COLUMN finished_at timestamptz;

-- Pause: one row. While paused nothing is batched or broadcast (no-ops excepted) and the escrow
-- contract is paused too.
CREATE TABLE settlement_control (
    id          smallint    PRIMARY KEY CHECK (id = 1),
    paused      boolean     NOT NULL,
    changed_by  text        NOT NULL,
    changed_at  timestamptz NOT NULL,
    reason      text,
    chain_tx    text
);
INSERT INTO settlement_control (id, paused, changed_by, changed_at) VALUES (1, false, 'system:migration', now());

-- Settler keys: each ACTIVE key is a nonce lane that new batches are given to; a RETIRING key's
-- transactions are seen to the end, then its SETTLER_ROLE is revoked (RETIRED). Keys from the
-- configuration are recorded as they are first used; rotated-in keys name their keystore file.
CREATE TABLE settler_keys (
    address      text        NOT NULL,
    chain_id     bigint      NOT NULL,
    keystore     text,
    status       text        NOT NULL CHECK (status IN ('ACTIVE', 'RETIRING', 'RETIRED')),
    added_by     text        NOT NULL,
    added_at     timestamptz NOT NULL,
    retiring_at  timestamptz,
    retired_at   timestamptz,
    role_tx      text,
    PRIMARY KEY (address, chain_id)
);
