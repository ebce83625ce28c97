-- Escrow headroom alerts (io.microsettle.ledger.EscrowFunding): an integrator is listed while its
-- headroom (funder balance − unsettled obligations) is below its threshold, from the cash-out that
-- crossed it (and appended the escrow.low audit event) until a later funding check sees it at or
-- above the threshold again. One row per integrator; written under the per-integrator lock.
CREATE TABLE escrow_alerts (
    integrator_id text        PRIMARY KEY,
    low_since     timestamptz NOT NULL
);
