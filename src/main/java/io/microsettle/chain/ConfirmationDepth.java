package io.microsettle.chain;

/** Confirmation counting: a transaction in the head block has 1 confirmation. */
public final class ConfirmationDepth {
    private ConfirmationDepth() {}

    public static int confirmations(long headBlock, long txBlock) {
        if (txBlock > headBlock) return 0;
        return (int) Math.min(Integer.MAX_VALUE, headBlock - txBlock + 1);
    }

    public static boolean isFinal(long headBlock, long txBlock, int required) {
        return confirmations(headBlock, txBlock) >= required;
    }

    /** The newest block with at least {@code required} confirmations (may be negative: none yet). */
    public static long newestConfirmed(long headBlock, int required) {
        return headBlock - required + 1;
    }
}
