package io.microsettle.verify;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The eth_getLogs ranges that cover a set of block numbers: each range spans at most {@code maxBlocks} blocks and
 * starts at a block that is asked for, so blocks between two far-apart claims are not read.
 */
public final class BlockRanges {
    public record Range(long from, long to) {
        public long blocks() {
            return to - from + 1;
        }
    }

    private BlockRanges() {}

    public static List<Range> cover(Iterable<Long> blocks, long maxBlocks) {
        if (maxBlocks < 1) throw new IllegalArgumentException("maxBlocks must be positive");
        TreeSet<Long> sorted = new TreeSet<>();
        for (Long b : blocks) {
            if (b == null || b < 0) throw new IllegalArgumentException("bad block number " + b);
            sorted.add(b);
        }
        List<Range> ranges = new ArrayList<>();
        long from = -1;
        long to = -1;
        for (long b : sorted) {
            if (from >= 0 && b - from < maxBlocks) {
                to = b;
            } else {
                if (from >= 0) ranges.add(new Range(from, to));
                from = b;
                to = b;
            }
        }
        if (from >= 0) ranges.add(new Range(from, to));
        return ranges;
    }
}
