package io.microsettle.ledger;

/** A ledger account: its key (e.g. {@code user:acct_x:available}), kind and owner. */
public record LedgerAccount(String key, LedgerAccountKind kind, String ownerId) {
    public static final String PLATFORM = "platform";

    public static LedgerAccount userAvailable(String accountId) {
        return new LedgerAccount("user:" + accountId + ":available", LedgerAccountKind.USER_AVAILABLE, accountId);
    }

    public static LedgerAccount userHeld(String accountId) {
        return new LedgerAccount("user:" + accountId + ":held", LedgerAccountKind.USER_HELD, accountId);
    }

    /** The source of an integrator's credits (goes negative by what it has promised). */
    public static LedgerAccount integratorFunding(String integratorId) {
        return new LedgerAccount("integrator:" + integratorId + ":funding", LedgerAccountKind.INTEGRATOR_FUNDING, integratorId);
    }

    /** Net amounts paid out on chain and settled for an integrator's users. */
    public static LedgerAccount integratorPayouts(String integratorId) {
        return new LedgerAccount("integrator:" + integratorId + ":payouts", LedgerAccountKind.INTEGRATOR_PAYOUTS, integratorId);
    }

    /**
     * What an integrator's escrow owes: the gross of its cash-outs that are held for and not yet
     * settled or released (a memo account; its contra is {@link #integratorEscrowCommitted}).
     */
    public static LedgerAccount integratorObligations(String integratorId) {
        return new LedgerAccount("integrator:" + integratorId + ":obligations", LedgerAccountKind.INTEGRATOR_OBLIGATIONS,
                integratorId);
    }

    /** The escrow deposit committed to the integrator's obligations (the obligations' contra, never positive). */
    public static LedgerAccount integratorEscrowCommitted(String integratorId) {
        return new LedgerAccount("integrator:" + integratorId + ":escrow_committed",
                LedgerAccountKind.INTEGRATOR_ESCROW_COMMITTED, integratorId);
    }

    /** The network-fee share collected with cash-outs, which pays for the settlement transactions' gas. */
    public static LedgerAccount networkFeePool() {
        return new LedgerAccount("platform:network_fee_pool", LedgerAccountKind.NETWORK_FEE_POOL, PLATFORM);
    }

    /** The service fee collected with cash-outs. */
    public static LedgerAccount feeRevenue() {
        return new LedgerAccount("platform:fee_revenue", LedgerAccountKind.FEE_REVENUE, PLATFORM);
    }
}
