-- A batch keeps the nonce and the key it was given when it was claimed (in the short transaction
-- that takes its cash-outs), so that it is signed afterwards, outside any lock, and a crash between
-- the claim and the signature leaves a batch to sign again, never a nonce gap.
ALTER TABLE settlement_batches ADD COLUMN from_address text;
ALTER TABLE settlement_batches ADD COLUMN nonce bigint;
ALTER TABLE settlement_batches ADD CONSTRAINT settlement_batches_status_check
    CHECK (status IN ('BATCHED', 'SUBMITTED', 'SETTLED', 'FAILED'));
ALTER TABLE settlement_txs ADD CONSTRAINT settlement_txs_status_check
    CHECK (status IN ('SIGNED', 'BROADCAST', 'REPLACED', 'MINED', 'REVERTED'));
CREATE INDEX settlement_batches_unsigned_idx ON settlement_batches (created_at) WHERE status = 'BATCHED';
-- One first transaction per batch: two signers racing for the same claimed batch cannot both store one.
CREATE UNIQUE INDEX settlement_txs_first_per_batch_key ON settlement_txs (batch_id) WHERE replaces_tx_id IS NULL;
