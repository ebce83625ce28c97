package io.microsettle.pricing.rules;

import java.util.Arrays;
import java.util.List;

/**
 * The figures of one {@code eth_feeHistory} answer, as the service read them.
 *
 * @param baseFeePerGasWei  {@code baseFeePerGas} as returned: one per block plus, last, the next
 *                          (pending) block's base fee, which is the one used
 * @param rewardWeiPerGas   the per-block {@code reward} at the configured percentile; may be empty
 *                          (a chain without tips), giving a zero tip
 */
public record FeeHistory(List<Long> baseFeePerGasWei, List<Long> rewardWeiPerGas) {

    /** eth_feeHistory returns at most 1024 blocks (plus the pending base fee). */
    public static final int MAX_BLOCKS = 1024;
    /** 1e15 wei per gas (1,000,000 gwei): far above any real fee; a larger value is a bad read. */
    public static final long MAX_WEI_PER_GAS = 1_000_000_000_000_000L;

    public FeeHistory {
        baseFeePerGasWei = List.copyOf(baseFeePerGasWei);
        rewardWeiPerGas = List.copyOf(rewardWeiPerGas);
        if (baseFeePerGasWei.isEmpty() || baseFeePerGasWei.size() > MAX_BLOCKS + 1) {
            throw new IllegalArgumentException("baseFeePerGasWei needs 1.." + (MAX_BLOCKS + 1) + " values");
        }
        if (rewardWeiPerGas.size() > MAX_BLOCKS) {
            throw new IllegalArgumentException("rewardWeiPerGas takes at most " + MAX_BLOCKS + " values");
        }
        for (long v : baseFeePerGasWei) {
            check("baseFeePerGasWei", v);
        }
        for (long v : rewardWeiPerGas) {
            check("rewardWeiPerGas", v);
        }
    }

    private static void check(String field, long v) {
        if (v < 0 || v > MAX_WEI_PER_GAS) {
            throw new IllegalArgumentException(field + " value out of range 0.." + MAX_WEI_PER_GAS + ": " + v);
        }
    }

    /** The pending block's base fee: the last value eth_feeHistory returns. */
    public long nextBaseFeeWeiPerGas() {
        return baseFeePerGasWei.get(baseFeePerGasWei.size() - 1);
    }

    /**
     * The tip: the median (upper middle for an even count) across blocks of the per-block reward
     * at the configured percentile, so one odd block neither inflates nor deflates it; 0 if none.
     */
    public long tipWeiPerGas() {
        if (rewardWeiPerGas.isEmpty()) {
            return 0;
        }
        long[] sorted = rewardWeiPerGas.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
