-- The write path under load (see docs/concurrency.md).

-- Capacities shared by the replicas (an integrator's escrow headroom, its daily volume), reserved in
-- chunks so that requests draw on them in memory (infra.CapacityReservations). A row is one
-- replica's reservation: what its requests may still commit beyond the committed usage; it counts
-- until expires_at. Logged: after a crash the reservations must still be there while they last.
CREATE TABLE capacity_reservations (
    capacity            text        NOT NULL,
    holder              text        NOT NULL,
    reserved_base_units bigint      NOT NULL CHECK (reserved_base_units >= 0),
    expires_at          timestamptz NOT NULL,
    PRIMARY KEY (capacity, holder)
);

-- A cash-out's hold ends once: either settled or released, never both, never twice (a reorg that
-- settles it again posts nothing).
CREATE UNIQUE INDEX ledger_entries_cashout_final_key ON ledger_entries (cashout_id) WHERE kind IN ('SETTLE', 'RELEASE');
DROP TABLE settlement_ledger_settled;

-- The integrator's daily volume at reservation time: its cash-outs of the day, without their rows.
CREATE INDEX cashouts_integrator_day_idx ON cashouts (integrator_id, created_at) INCLUDE (gross_base_units, status);
