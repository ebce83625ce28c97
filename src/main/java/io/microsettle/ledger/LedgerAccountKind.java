package io.microsettle.ledger;

/** The kinds of ledger account. User accounts may never go negative. */
public enum LedgerAccountKind {
    USER_AVAILABLE, USER_HELD, INTEGRATOR_FUNDING, INTEGRATOR_PAYOUTS, FEE_REVENUE, NETWORK_FEE_POOL;

    public boolean nonNegative() {
        return this == USER_AVAILABLE || this == USER_HELD;
    }
}
