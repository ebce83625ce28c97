package io.microsettle.settlement;

/**
 * What bounded a lane's claims in a pass, from the least to the most pressing: the queue (it ran dry, or nothing more
 * fitted the escrow's caps), the room its unmined transactions left ({@code max-in-flight-per-lane}: more opens when a
 * block mines some), or the most batches a pass may create ({@code max-batches-per-tick}). The scheduler ticks again at
 * the next interval, after the next block, or at once.
 */
public enum ClaimBound {
    QUEUE, IN_FLIGHT, TICK_LIMIT;

    /**
     * What bounded a lane that created {@code created} batches where its in-flight room was {@code batchRoom} (see
     * {@link NonceLane#batchRoom}) and a pass may create {@code maxPerTick}; a lane that is not {@code active} (retiring)
     * claims nothing, so only the queue bounds it.
     */
    public static ClaimBound of(boolean active, int created, int batchRoom, int maxPerTick) {
        if (created < 0 || batchRoom < 0 || maxPerTick < 1) throw new IllegalArgumentException("negative count or limit");
        if (created > batchRoom) throw new IllegalArgumentException(created + " batches created in a room of " + batchRoom);
        if (!active) return QUEUE;
        if (created >= maxPerTick) return TICK_LIMIT;
        // the room used up (or none left) while more cash-outs may wait
        return batchRoom < maxPerTick && created >= batchRoom ? IN_FLIGHT : QUEUE;
    }

    /** The more pressing of the two. */
    public ClaimBound or(ClaimBound other) {
        return compareTo(other) >= 0 ? this : other;
    }
}
