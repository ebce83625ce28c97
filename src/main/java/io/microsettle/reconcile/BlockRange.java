package io.microsettle.reconcile;

import io.microsettle.chain.ConfirmationDepth;
import java.util.List;
import java.util.Optional;

/** An inclusive block range for one eth_getLogs call. */
public record BlockRange(long fromBlock, long toBlock) {

    public BlockRange {
        if (fromBlock < 0 || toBlock < fromBlock) throw new IllegalArgumentException("bad range " + fromBlock + ".." + toBlock);
    }

    /**
     * The next range to read: from {@code nextBlock}, at most {@code maxBlocks} long, ending at the newest
     * block with at least {@code confirmations} confirmations (the head block itself has one).
     */
    public static Optional<BlockRange> next(long nextBlock, long headBlock, int confirmations, int maxBlocks) {
        if (confirmations < 1) throw new IllegalArgumentException("confirmations must be >= 1");
        if (maxBlocks < 1) throw new IllegalArgumentException("maxBlocks must be >= 1");
        long safe = ConfirmationDepth.newestConfirmed(headBlock, confirmations);
        if (safe < nextBlock) return Optional.empty();
        return Optional.of(new BlockRange(nextBlock, Math.min(safe, nextBlock + maxBlocks - 1)));
    }

    /**
     * This range cut so that it holds at most {@code maxLogs} of the logs at {@code logBlocks} (their block numbers,
     * ascending, all within the range): it ends at the block before the first log over the limit, or, when that log
     * is in the range's first block, at that block (one block is never split: it is settled whole).
     */
    public BlockRange fit(List<Long> logBlocks, int maxLogs) {
        if (maxLogs < 1) throw new IllegalArgumentException("maxLogs must be >= 1");
        if (logBlocks.size() <= maxLogs) return this;
        long firstOver = logBlocks.get(maxLogs);
        assert firstOver >= fromBlock && firstOver <= toBlock : "log block " + firstOver + " outside " + this;
        return new BlockRange(fromBlock, firstOver > fromBlock ? firstOver - 1 : fromBlock);
    }

    public long size() { return toBlock - fromBlock + 1; }
}
