-- Leases (infra.Leases): exactly one replica does each job at a time (submitting for a settler key,
-- reconciling, anchoring). The fencing number grows when another replica takes a lease over, and is
-- stored with every transaction signed under it.
CREATE TABLE leases (
    name        text        PRIMARY KEY,
    holder      text        NOT NULL,
    fence       bigint      NOT NULL CHECK (fence >= 1),
    expires_at  timestamptz NOT NULL,
    acquired_at timestamptz NOT NULL
);
ALTER TABLE settlement_txs ADD COLUMN fence bigint;
