package io.microsettle.settlement;

/**
 * When a stored transaction whose broadcast failed is tried again, and when its lane counts as
 * stalled (plain Java). A transaction is never abandoned: the pause between attempts doubles from
 * {@code baseMillis} up to {@code maxMillis}, and once broadcasts have failed for {@code stallAfterMillis}
 * the lane is stalled (an alert is raised once, the health check reports it).
 */
public record BroadcastBackoff(long baseMillis, long maxMillis, long stallAfterMillis) {
    /** Doublings at most (2^20 × base is far beyond any sensible maximum). */
    static final int MAX_DOUBLINGS = 20;

    public BroadcastBackoff {
        if (baseMillis <= 0 || maxMillis < baseMillis || stallAfterMillis <= 0) {
            throw new IllegalArgumentException("need 0 < base <= max and a positive stall threshold");
        }
    }

    /** The pause after the {@code failedAttempts}-th failure in a row (1: the first). */
    public long delayMillis(int failedAttempts) {
        if (failedAttempts < 1) throw new IllegalArgumentException("failed attempts start at 1");
        int doublings = Math.min(failedAttempts - 1, MAX_DOUBLINGS);
        long delay = baseMillis << doublings;
        return delay <= 0 || delay > maxMillis ? maxMillis : delay;
    }

    /** Whether broadcasts failing since {@code failingSinceMillis} make the lane stalled at {@code nowMillis}. */
    public boolean stalled(long failingSinceMillis, long nowMillis) {
        return nowMillis - failingSinceMillis >= stallAfterMillis;
    }
}
