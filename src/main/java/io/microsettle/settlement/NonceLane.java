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

    /**
     * How many new batches a lane may put in flight now: at most {@code maxInFlight} of its transactions unmined at
     * the node (pending count − latest count; geth keeps 16 executable transactions per sender by default), never
     * more than {@code maxPerTick}, never negative.
     */
    public static int batchRoom(int maxInFlight, int maxPerTick, long chainPendingCount, long chainLatestCount) {
        if (maxInFlight < 1 || maxPerTick < 1) throw new IllegalArgumentException("limits must be positive");
        if (chainPendingCount < 0 || chainLatestCount < 0) throw new IllegalArgumentException("negative transaction count");
        long inFlight = Math.max(0, chainPendingCount - chainLatestCount);
        return (int) Math.max(0, Math.min(maxPerTick, maxInFlight - inFlight));
    }
}
