package io.microsettle.reconcile;

import java.util.List;
import java.util.OptionalLong;
import java.util.function.LongFunction;

/** Finds where a stored view of the chain left the canonical chain. */
public final class ReorgDetector {
    private ReorgDetector() {}

    public record StoredBlock(long number, String hash) {}

    /**
     * Given stored blocks newest first and a way to read the canonical hash of a block number, returns
     * the number of the newest stored block that is still canonical; when none of the (at most
     * {@code maxChecks}) checked blocks is, the block below the oldest one checked; empty when the
     * newest stored block is canonical (no reorg) or nothing is stored.
     */
    public static OptionalLong lastCanonical(List<StoredBlock> newestFirst, LongFunction<String> canonicalHash, int maxChecks) {
        int checks = 0;
        long oldestChecked = -1;
        for (StoredBlock b : newestFirst) {
            if (checks++ >= maxChecks) break;
            oldestChecked = b.number();
            String canonical = canonicalHash.apply(b.number());
            if (canonical != null && canonical.equalsIgnoreCase(b.hash())) {
                return checks == 1 ? OptionalLong.empty() : OptionalLong.of(b.number());
            }
        }
        return newestFirst.isEmpty() ? OptionalLong.empty() : OptionalLong.of(oldestChecked - 1);
    }
}
