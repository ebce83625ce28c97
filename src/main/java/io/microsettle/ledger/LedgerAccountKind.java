package io.microsettle.ledger;

/**
 * The kinds of ledger account. User accounts may never go negative (each row is guarded). An
 * integrator's obligations never go negative in sum over its stripes; a single stripe may (a cash-out
 * held before striping is released on a stripe), so the ledger check verifies the sum.
 */
public enum LedgerAccountKind {
    USER_AVAILABLE, USER_HELD, INTEGRATOR_FUNDING, INTEGRATOR_PAYOUTS, INTEGRATOR_OBLIGATIONS,
    INTEGRATOR_ESCROW_COMMITTED, FEE_REVENUE, NETWORK_FEE_POOL;

    public boolean nonNegative() {
        return this == USER_AVAILABLE || this == USER_HELD;
    }
}
