package io.microsettle.reconcile;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where the follower's time goes, summed over ticks (the reconcile benchmark prints it): wall time per
 * phase, in nanoseconds. Used by one tick at a time ({@link ReconcileService#tick} is synchronized).
 */
public final class ReconcilePhases {
    /** The phases of a tick, in the order they run. */
    public enum Phase {
        /** eth_blockNumber and the reorg check's block hashes (and an undo). */
        HEAD_AND_REORG,
        /** eth_getLogs of a range: the call and web3j's JSON parsing. */
        GET_LOGS,
        /** Raw logs to PayoutSettled / BatchSettled. */
        DECODE,
        /** The range end's block hash. */
        BLOCK_HASH,
        /** The range's logs stored (one insert). */
        STORE_LOGS,
        /** Local cash-outs read and compared with the logs (PayoutMatcher). */
        MATCH,
        /** The cash-out store's settle: lock, update, ledger postings, audit events. */
        SETTLE,
        /** BatchSettled logs applied to the batches. */
        BATCHES,
        /** Block hashes and the cursor written. */
        BLOCKS_AND_CURSOR,
        /** The range's transaction begun and committed (its time not in the phases above). */
        COMMIT,
        /** Stale submissions looked for. */
        STALE
    }

    private final EnumMap<Phase, long[]> nanos = new EnumMap<>(Phase.class);

    /** Adds the time since {@code startNanos} to {@code phase}; returns now (the next phase's start). */
    synchronized long add(Phase phase, long startNanos) {
        long now = System.nanoTime();
        nanos.computeIfAbsent(phase, p -> new long[1])[0] += now - startNanos;
        return now;
    }

    /** Milliseconds per phase so far, in phase order. */
    synchronized Map<String, Double> millis() {
        Map<String, Double> out = new LinkedHashMap<>();
        for (Phase p : Phase.values()) {
            long[] n = nanos.get(p);
            out.put(p.name(), n == null ? 0.0 : n[0] / 1e6);
        }
        return out;
    }

    synchronized void reset() {
        nanos.clear();
    }
}
