package io.microsettle.chain;

import java.math.BigInteger;
import java.util.List;
import java.util.Objects;

import io.microsettle.chain.contracts.SettlementEscrow;

/**
 * What the escrow's {@code settlementCapacity()} view reported at one block, and the rule that tells whether a
 * planned batch passes the pause flag and the caps there: {@code settleBatch}'s own checks, in its order, so a
 * batch this refuses is certain to revert. The funder's balance ({@code funderBalance}) and the ids
 * ({@code payoutsSettled}, {@code isBatchSettled}) are separate views. Amounts are gross (net + fee).
 *
 * @param paused                   the escrow is paused: every batch reverts
 * @param maxBatchPayouts          most payouts in one batch
 * @param maxPayoutBaseUnits       cap on one payout
 * @param maxBatchBaseUnits        cap on one batch's total
 * @param windowCapBaseUnits       cap on one window's volume
 * @param windowDurationSeconds    window length
 * @param windowStartEpochSeconds  start of the window a batch in that block counts in
 * @param windowVolumeBaseUnits    volume already settled in that window
 * @param windowRemainingBaseUnits what a batch may still total in that window
 */
public record EscrowCapacity(boolean paused, int maxBatchPayouts, BigInteger maxPayoutBaseUnits,
                             BigInteger maxBatchBaseUnits, BigInteger windowCapBaseUnits, long windowDurationSeconds,
                             long windowStartEpochSeconds, BigInteger windowVolumeBaseUnits,
                             BigInteger windowRemainingBaseUnits) {

    /** Whether a planned batch passes, or the first check it fails (in {@code settleBatch}'s order). */
    public enum Verdict { FITS, PAUSED, EMPTY_BATCH, TOO_MANY_PAYOUTS, PAYOUT_OVER_CAP, BATCH_OVER_CAP, WINDOW_OVER_CAP }

    public EscrowCapacity {
        if (maxBatchPayouts < 0 || windowDurationSeconds <= 0 || windowStartEpochSeconds < 0) {
            throw new IllegalArgumentException("negative count or time in " + maxBatchPayouts + ", "
                    + windowDurationSeconds + ", " + windowStartEpochSeconds);
        }
        requireNonNegative("maxPayoutBaseUnits", maxPayoutBaseUnits);
        requireNonNegative("maxBatchBaseUnits", maxBatchBaseUnits);
        requireNonNegative("windowCapBaseUnits", windowCapBaseUnits);
        requireNonNegative("windowVolumeBaseUnits", windowVolumeBaseUnits);
        requireNonNegative("windowRemainingBaseUnits", windowRemainingBaseUnits);
    }

    /** From the generated wrapper's struct (counts and times fit in int/long on any real chain). */
    public static EscrowCapacity of(SettlementEscrow.SettlementCapacity c) {
        return new EscrowCapacity(c.paused, c.maxBatchPayouts.intValueExact(), c.maxPayoutAmount, c.maxBatchAmount,
                c.windowCapAmount, c.windowDurationSeconds.longValueExact(), c.windowStart.longValueExact(),
                c.windowVolume, c.windowRemaining);
    }

    /**
     * Checks a planned batch against the pause flag and the caps.
     *
     * @param grossBaseUnitsPerPayout net + fee of each payout, in batch order (each > 0: the net amount of a
     *                                payout must be positive, or settleBatch reverts with ZeroPayout)
     */
    public Verdict check(List<Long> grossBaseUnitsPerPayout) {
        Objects.requireNonNull(grossBaseUnitsPerPayout, "grossBaseUnitsPerPayout");
        if (paused) return Verdict.PAUSED;
        if (grossBaseUnitsPerPayout.isEmpty()) return Verdict.EMPTY_BATCH;
        if (grossBaseUnitsPerPayout.size() > maxBatchPayouts) return Verdict.TOO_MANY_PAYOUTS;
        BigInteger total = BigInteger.ZERO;
        for (long gross : grossBaseUnitsPerPayout) {
            if (gross <= 0) throw new IllegalArgumentException("gross amount must be positive, got " + gross);
            BigInteger g = BigInteger.valueOf(gross);
            if (g.compareTo(maxPayoutBaseUnits) > 0) return Verdict.PAYOUT_OVER_CAP;
            total = total.add(g);
        }
        if (total.compareTo(maxBatchBaseUnits) > 0) return Verdict.BATCH_OVER_CAP;
        if (total.compareTo(windowRemainingBaseUnits) > 0) return Verdict.WINDOW_OVER_CAP;
        return Verdict.FITS;
    }

    /** The most a batch may total at that block: the smaller of the batch cap and the window's remaining capacity. */
    public BigInteger batchHeadroomBaseUnits() {
        return maxBatchBaseUnits.min(windowRemainingBaseUnits);
    }

    private static void requireNonNegative(String name, BigInteger value) {
        Objects.requireNonNull(value, name);
        if (value.signum() < 0) throw new IllegalArgumentException(name + " is negative: " + value);
    }
}
