-- Processing: versioned fee schedules and limits, quote pricing inputs, the review queue.

-- Each PUT of /v1/admin/fee-schedule or /v1/admin/limits adds a version (never updated);
-- the highest version is in force. Version 1 of each is the default shipped here.
CREATE TABLE fee_schedules (
    version    bigint PRIMARY KEY CHECK (version >= 1),
    body       jsonb       NOT NULL,
    created_by text        NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE TRIGGER fee_schedules_immutable BEFORE UPDATE OR DELETE ON fee_schedules
    FOR EACH ROW EXECUTE FUNCTION refuse_mutation();

INSERT INTO fee_schedules (version, body, created_by, created_at) VALUES (1, '{
  "tiers": {
    "BASIC": [{"fromVolume": "0", "serviceFeeBps": 100}, {"fromVolume": "1000000000", "serviceFeeBps": 75},
              {"fromVolume": "10000000000", "serviceFeeBps": 50}],
    "FULL":  [{"fromVolume": "0", "serviceFeeBps": 50}, {"fromVolume": "1000000000", "serviceFeeBps": 35},
              {"fromVolume": "10000000000", "serviceFeeBps": 25}]
  },
  "minServiceFee": "250000", "maxServiceFee": "25000000", "minPayout": "100000"
}', 'system:migration', now());

CREATE TABLE limit_sets (
    version    bigint PRIMARY KEY CHECK (version >= 1),
    body       jsonb       NOT NULL,
    created_by text        NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE TRIGGER limit_sets_immutable BEFORE UPDATE OR DELETE ON limit_sets
    FOR EACH ROW EXECUTE FUNCTION refuse_mutation();

INSERT INTO limit_sets (version, body, created_by, created_at) VALUES (1, '{
  "levels": {
    "BASIC": {"minPerCashout": "100000", "maxPerCashout": "500000000", "rolling24hAmount": "1000000000",
              "rolling24hCount": 20, "integratorDailyVolume": "1000000000000"},
    "FULL":  {"minPerCashout": "100000", "maxPerCashout": "10000000000", "rolling24hAmount": "50000000000",
              "rolling24hCount": 1000, "integratorDailyVolume": "10000000000000"}
  }
}', 'system:migration', now());

-- What a quote was priced from: schedule version, tier, the account's 30-day volume, gas inputs.
ALTER TABLE quotes
    ADD COLUMN fee_schedule_version         bigint,
    ADD COLUMN service_fee_bps              integer,
    ADD COLUMN rolling_30d_volume_base_units bigint,
    ADD COLUMN gas_inputs                   jsonb;

-- Held cash-outs waiting for (or decided by) an operator: reason codes and the evidence each rule saw.
CREATE TABLE cashout_reviews (
    cashout_id    text PRIMARY KEY REFERENCES cashouts (id),
    integrator_id text        NOT NULL,
    reasons       text        NOT NULL,           -- comma-separated reason codes, rule order
    findings      jsonb       NOT NULL,           -- [{reason, evidence{...}}]
    created_at    timestamptz NOT NULL,
    decision      text CHECK (decision IN ('APPROVED', 'REJECTED')),
    decided_by    text,
    decided_at    timestamptz,
    note          text
);
CREATE INDEX cashout_reviews_pending_idx ON cashout_reviews (created_at, cashout_id) WHERE decision IS NULL;

-- Risk facts: an account's recent cash-outs, a destination's recent accounts.
CREATE INDEX cashouts_account_created_idx ON cashouts (account_id, created_at DESC);
CREATE INDEX cashouts_destination_created_idx ON cashouts (destination, created_at DESC);

-- Unsettled obligations per integrator (the escrow funding check) without scanning its history.
CREATE INDEX cashouts_unsettled_idx ON cashouts (integrator_id) INCLUDE (gross_base_units)
    WHERE status IN ('REQUESTED', 'QUEUED', 'HELD', 'BATCHED', 'SUBMITTED');
-- Postings of one ledger account in a time window (credit bursts); replaces the single-column index.
DROP INDEX ledger_postings_account_idx;
CREATE INDEX ledger_postings_account_created_idx ON ledger_postings (ledger_account, created_at);
