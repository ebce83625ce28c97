package io.microsettle.ledger;

/** The kinds of ledger account. User accounts may never go negative. */
public enum LedgerAccountKind {
    USER_AVAILABLE, USER_HELD, INTEGRATOR_FUNDING, INTEGRATOR_PAYOUTS, INTEGRATOR_OBLIGATIONS,
    INTEGRATOR_ESCROW_COMMITTED, FEE_REVENUE, NETWORK_FEE_POOL;

    public boolean nonNegative() {
        return this == USER_AVAILABLE || this == USER_HELD || this == INTEGRATOR_OBLIGATIONS;
    }
}
