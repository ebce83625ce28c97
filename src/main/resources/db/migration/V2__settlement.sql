-- Settlement (batches, signed transactions, nonce lanes) and reconciliation (chain logs,
-- cursor, block hashes, discrepancies). Money columns are token base units.

-- Dense ids used on chain: the escrow's replay guard is a bitmap over payout ids.
CREATE SEQUENCE payout_id_seq START WITH 1 INCREMENT BY 1;
CREATE SEQUENCE batch_id_seq START WITH 1 INCREMENT BY 1;

CREATE TABLE settlement_batches (
    id                    TEXT PRIMARY KEY,                 -- bat_...
    chain_batch_id        BIGINT NOT NULL UNIQUE,           -- from batch_id_seq, passed to settleBatch
    integrator_id         TEXT NOT NULL,
    funder_address        TEXT NOT NULL,
    payout_ids            BIGINT[] NOT NULL,
    payout_count          INTEGER NOT NULL CHECK (payout_count > 0),
    total_net_base_units  BIGINT NOT NULL CHECK (total_net_base_units >= 0),
    total_fee_base_units  BIGINT NOT NULL CHECK (total_fee_base_units >= 0),
    estimated_gas         BIGINT NOT NULL,
    status                TEXT NOT NULL,                    -- BATCHED, SUBMITTED, SETTLED, FAILED
    tx_hash               TEXT,                             -- latest broadcast transaction
    submitted_block       BIGINT,
    settled_block         BIGINT,
    created_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at            TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX settlement_batches_status_idx ON settlement_batches (status);

-- One row per settler address and chain: the next nonce to use.
CREATE TABLE nonce_lanes (
    address     TEXT NOT NULL,
    chain_id    BIGINT NOT NULL,
    next_nonce  BIGINT NOT NULL CHECK (next_nonce >= 0),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (address, chain_id)
);

-- Every signed transaction, stored before it is broadcast (crash safety).
CREATE TABLE settlement_txs (
    id                           BIGSERIAL PRIMARY KEY,
    batch_id                     TEXT NOT NULL REFERENCES settlement_batches (id),
    from_address                 TEXT NOT NULL,
    chain_id                     BIGINT NOT NULL,
    nonce                        BIGINT NOT NULL,
    gas_limit                    BIGINT NOT NULL,
    max_fee_per_gas_wei          NUMERIC(78) NOT NULL,
    max_priority_fee_per_gas_wei NUMERIC(78) NOT NULL,
    raw_tx                       TEXT NOT NULL,
    tx_hash                      TEXT NOT NULL UNIQUE,
    status                       TEXT NOT NULL,             -- SIGNED, BROADCAST, REPLACED, MINED, REVERTED
    replaces_tx_id               BIGINT REFERENCES settlement_txs (id),
    broadcast_attempts           INTEGER NOT NULL DEFAULT 0,
    last_error                   TEXT,
    broadcast_block              BIGINT,
    created_at                   TIMESTAMPTZ NOT NULL DEFAULT now(),
    broadcast_at                 TIMESTAMPTZ,
    updated_at                   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX settlement_txs_status_idx ON settlement_txs (status);
CREATE INDEX settlement_txs_batch_idx ON settlement_txs (batch_id);

-- Reconciliation: where the log follower is (next block to read).
CREATE TABLE reconcile_cursor (
    name        TEXT PRIMARY KEY,
    next_block  BIGINT NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Hashes of processed blocks (every block with a log, and the end of every range), for
-- reorg detection. Pruned to a bounded window.
CREATE TABLE reconcile_blocks (
    block_number BIGINT PRIMARY KEY,
    block_hash   TEXT NOT NULL
);

-- Escrow logs as read from the chain (PayoutSettled, BatchSettled), decoded.
CREATE TABLE chain_logs (
    block_hash            TEXT NOT NULL,
    log_index             INTEGER NOT NULL,
    block_number          BIGINT NOT NULL,
    tx_hash               TEXT NOT NULL,
    event                 TEXT NOT NULL,
    payout_id             BIGINT,
    chain_batch_id        BIGINT,
    payee                 TEXT,
    funder                TEXT,
    net_base_units        NUMERIC(78),
    fee_base_units        NUMERIC(78),
    payout_count          BIGINT,
    created_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (block_hash, log_index)
);
CREATE INDEX chain_logs_block_idx ON chain_logs (block_number);
CREATE INDEX chain_logs_payout_idx ON chain_logs (payout_id);

-- Cash-outs whose hold has been turned into a debit (keeps LedgerService.settle exactly-once
-- when a reorg sends a settled cash-out back to SUBMITTED and it settles again).
CREATE TABLE settlement_ledger_settled (
    cashout_id  TEXT PRIMARY KEY,
    settled_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Anything the reconciler could not match; recorded and shown, never silently fixed.
CREATE TABLE discrepancies (
    id              BIGSERIAL PRIMARY KEY,
    kind            TEXT NOT NULL,            -- UNKNOWN_PAYOUT, AMOUNT_MISMATCH, PAYEE_MISMATCH, ...
    payout_id       BIGINT,
    chain_batch_id  BIGINT,
    cashout_id      TEXT,
    tx_hash         TEXT,
    block_number    BIGINT,
    block_hash      TEXT,
    log_index       INTEGER,
    detail          TEXT NOT NULL,
    resolved        BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX discrepancies_log_uq ON discrepancies (kind, block_hash, log_index);
