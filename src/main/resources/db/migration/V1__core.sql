-- microsettle core schema: accounts, ledger, quotes, cash-outs, audit, idempotency.
-- Money is BIGINT base units of the settlement token (columns named *_base_units).

CREATE TABLE accounts (
    id                 text PRIMARY KEY,
    integrator_id      text        NOT NULL,
    external_ref       text        NOT NULL,
    verification_level text        NOT NULL DEFAULT 'NONE',
    wallet             text,
    verifier_issuer    text,
    verified_at        timestamptz,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    CONSTRAINT accounts_integrator_external_ref_key UNIQUE (integrator_id, external_ref),
    CONSTRAINT accounts_level_check CHECK (verification_level IN ('NONE', 'BASIC', 'FULL'))
);

-- Ledger: a double-entry journal. Every entry's postings sum to zero; balances are kept
-- in the same transaction as the postings; postings are immutable.
CREATE TABLE ledger_balances (
    ledger_account     text PRIMARY KEY,          -- e.g. user:acct_x:available, integrator:acme:funding, platform:fee_revenue
    kind               text        NOT NULL,      -- USER_AVAILABLE, USER_HELD, INTEGRATOR_FUNDING, INTEGRATOR_PAYOUTS, FEE_REVENUE
    owner_id           text        NOT NULL,
    balance_base_units bigint      NOT NULL DEFAULT 0,
    updated_at         timestamptz NOT NULL,
    CONSTRAINT ledger_user_balance_non_negative
        CHECK (kind NOT IN ('USER_AVAILABLE', 'USER_HELD') OR balance_base_units >= 0)
);

CREATE TABLE ledger_entries (
    id            text PRIMARY KEY,
    integrator_id text        NOT NULL,
    kind          text        NOT NULL,           -- CREDIT, HOLD, SETTLE, RELEASE
    reference     text,                            -- the integrator's credit reference
    cashout_id    text,
    created_at    timestamptz NOT NULL
);
CREATE UNIQUE INDEX ledger_entries_reference_key ON ledger_entries (integrator_id, reference) WHERE reference IS NOT NULL;
CREATE INDEX ledger_entries_cashout_idx ON ledger_entries (cashout_id) WHERE cashout_id IS NOT NULL;

-- No foreign keys here on purpose: per-row FK checks cost more than half of a 1,000-item
-- credits request. LedgerService writes the balance rows and the entries in the same
-- transaction just before the postings; LedgerIntegrityTest checks that every posting has
-- its entry and its ledger account, and that every entry sums to zero.
CREATE TABLE ledger_postings (
    id                bigserial PRIMARY KEY,
    entry_id          text        NOT NULL,
    ledger_account    text        NOT NULL,
    amount_base_units bigint      NOT NULL CHECK (amount_base_units <> 0),
    created_at        timestamptz NOT NULL
);
CREATE INDEX ledger_postings_entry_idx ON ledger_postings (entry_id);
CREATE INDEX ledger_postings_account_idx ON ledger_postings (ledger_account);

CREATE FUNCTION refuse_mutation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
END
$$;

CREATE TRIGGER ledger_postings_immutable BEFORE UPDATE OR DELETE ON ledger_postings
    FOR EACH ROW EXECUTE FUNCTION refuse_mutation();
CREATE TRIGGER ledger_postings_no_truncate BEFORE TRUNCATE ON ledger_postings
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_mutation();

-- Quotes: every figure priced, the EIP-712 inputs, single use.
CREATE TABLE quotes (
    id                     text PRIMARY KEY,
    integrator_id          text        NOT NULL,
    account_id             text        NOT NULL REFERENCES accounts (id),
    gross_base_units       bigint      NOT NULL CHECK (gross_base_units > 0),
    service_fee_base_units bigint      NOT NULL CHECK (service_fee_base_units >= 0),
    network_fee_base_units bigint      NOT NULL CHECK (network_fee_base_units >= 0),
    fee_base_units         bigint      NOT NULL,
    net_base_units         bigint      NOT NULL CHECK (net_base_units > 0),
    destination            text        NOT NULL,
    chain_id               bigint      NOT NULL,
    escrow_address         text        NOT NULL,
    deadline_epoch_seconds bigint      NOT NULL,
    expires_at             timestamptz NOT NULL,
    used_at                timestamptz,
    created_at             timestamptz NOT NULL,
    CONSTRAINT quotes_amounts_check CHECK (net_base_units + fee_base_units = gross_base_units
        AND fee_base_units = service_fee_base_units + network_fee_base_units)
);
CREATE INDEX quotes_account_idx ON quotes (account_id);

CREATE TABLE cashouts (
    id               text PRIMARY KEY,
    integrator_id    text        NOT NULL,
    account_id       text        NOT NULL REFERENCES accounts (id),
    quote_id         text        NOT NULL UNIQUE REFERENCES quotes (id),
    status           text        NOT NULL,
    gross_base_units bigint      NOT NULL CHECK (gross_base_units > 0),
    fee_base_units   bigint      NOT NULL CHECK (fee_base_units >= 0),
    net_base_units   bigint      NOT NULL CHECK (net_base_units > 0),
    destination      text        NOT NULL,
    wallet           text        NOT NULL,
    signature        text        NOT NULL,
    reason           text,
    payout_id        bigint UNIQUE,
    batch_id         text,
    tx_hash          text,
    block_number     bigint,
    block_hash       text,
    log_index        integer,
    confirmations    integer,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    settled_at       timestamptz,
    CONSTRAINT cashouts_amounts_check CHECK (net_base_units + fee_base_units = gross_base_units),
    CONSTRAINT cashouts_status_check CHECK (status IN ('REQUESTED', 'QUEUED', 'HELD', 'REJECTED', 'BATCHED',
        'SUBMITTED', 'CONFIRMED', 'SETTLED', 'FAILED'))
);
CREATE INDEX cashouts_integrator_created_idx ON cashouts (integrator_id, created_at DESC, id DESC);
CREATE INDEX cashouts_account_idx ON cashouts (account_id);
CREATE INDEX cashouts_status_idx ON cashouts (status);

-- Audit: append-only, hash-chained; appends serialise on the one-row audit_head.
CREATE TABLE audit_events (
    seq          bigint PRIMARY KEY,
    id           text        NOT NULL UNIQUE,
    at           timestamptz NOT NULL,
    actor        text        NOT NULL,
    type         text        NOT NULL,
    subject      text        NOT NULL,
    payload_json text        NOT NULL,             -- canonical JSON, hashed verbatim
    prev_hash    char(64)    NOT NULL,
    hash         char(64)    NOT NULL
);
CREATE INDEX audit_events_subject_idx ON audit_events (subject);
CREATE TRIGGER audit_events_immutable BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION refuse_mutation();

CREATE TABLE audit_head (
    id   smallint PRIMARY KEY CHECK (id = 1),
    seq  bigint   NOT NULL,
    hash char(64) NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, repeat('0', 64));

-- Idempotency keys for creating POSTs (scoped per integrator, kept at least 24 h).
CREATE TABLE idempotency_keys (
    integrator_id   text        NOT NULL,
    idempotency_key text        NOT NULL,
    method          text        NOT NULL,
    path            text        NOT NULL,
    request_hash    char(64)    NOT NULL,
    response_status integer,
    response_body   text,
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (integrator_id, idempotency_key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
