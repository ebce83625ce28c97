package io.microsettle.reconcile;

/** How many transactions at once settle a range's payouts. */
final class SettleParts {
    private SettleParts() {}

    /**
     * As many parts as there are workers, but each of at least {@code minPayoutsPerPart} payouts (a part's
     * transaction has fixed costs: a connection, the lease check, a commit); at least one.
     */
    static int count(int payouts, int workers, int minPayoutsPerPart) {
        if (payouts < 0 || workers < 1 || minPayoutsPerPart < 1) {
            throw new IllegalArgumentException("payouts " + payouts + ", workers " + workers + ", min " + minPayoutsPerPart);
        }
        return Math.max(1, Math.min(workers, payouts / minPayoutsPerPart));
    }
}
