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
     * The integrator-wide memo accounts of cash-outs are split into this many stripes, chosen by the
     * user account, so that concurrent cash-outs of different users do not queue on one balance row;
     * the integrator's figure is the sum of its stripes (and of the unstriped row of older entries).
     */
    public static final int STRIPES = 64;

    /** The stripe of a user account: stable across processes (String.hashCode is specified). */
    public static int stripeOf(String accountId) {
        return Math.floorMod(accountId.hashCode(), STRIPES);
    }

    /**
     * What an integrator's escrow owes for one stripe of its users: the gross of their cash-outs that
     * are held for and not yet settled or released (a memo account; its contra is
     * {@link #integratorEscrowCommitted}).
     */
    public static LedgerAccount integratorObligations(String integratorId, int stripe) {
        return new LedgerAccount(striped("integrator:" + integratorId + ":obligations", stripe),
                LedgerAccountKind.INTEGRATOR_OBLIGATIONS, integratorId);
    }

    /** The escrow deposit committed to one stripe of the integrator's obligations (their contra, never positive in sum). */
    public static LedgerAccount integratorEscrowCommitted(String integratorId, int stripe) {
        return new LedgerAccount(striped("integrator:" + integratorId + ":escrow_committed", stripe),
                LedgerAccountKind.INTEGRATOR_ESCROW_COMMITTED, integratorId);
    }

    /** Every key of the integrator's obligations: its stripes and the unstriped row entries before striping used. */
    public static String[] integratorObligationsKeys(String integratorId) {
        String base = "integrator:" + integratorId + ":obligations";
        String[] keys = new String[STRIPES + 1];
        for (int i = 0; i < STRIPES; i++) keys[i] = striped(base, i);
        keys[STRIPES] = base;
        return keys;
    }

    private static String striped(String base, int stripe) {
        if (stripe < 0 || stripe >= STRIPES) throw new IllegalArgumentException("stripe " + stripe + " of " + STRIPES);
        return base + ":" + stripe;
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
