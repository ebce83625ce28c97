package io.microsettle.settlement;

/**
 * Nonce bookkeeping of one settler address: the database holds the next nonce; the chain's pending
 * count initialises it and moves it forward if the key was used elsewhere (never backward: a lower
 * pending count only means our transactions are not yet seen by that node).
 */
public final class NonceLane {
    private NonceLane() {}

    public static long reconcile(Long storedNextNonce, long chainPendingCount) {
        if (chainPendingCount < 0) throw new IllegalArgumentException("negative transaction count");
        if (storedNextNonce == null) return chainPendingCount;
        return Math.max(storedNextNonce, chainPendingCount);
    }
}
