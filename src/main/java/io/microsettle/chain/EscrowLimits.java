package io.microsettle.chain;

import java.math.BigInteger;
import java.time.Duration;
import java.util.Objects;

/**
 * The SettlementEscrow constructor's limits, in token base units and seconds, checked against the contract's
 * own bounds so that a bad value fails here with a message instead of as a reverted deployment. Caps are on
 * gross amounts (net + fee).
 *
 * @param withdrawalDelaySeconds notice period for funders' withdrawals,
 *                               {@value #MIN_WITHDRAWAL_DELAY_SECONDS}..{@value #MAX_WITHDRAWAL_DELAY_SECONDS}
 * @param maxPayoutAmount        cap on one payout, at most 2^128 - 1
 * @param maxBatchAmount         cap on one batch, at most 2^128 - 1
 * @param windowCapAmount        cap on one window's volume, at most 2^128 - 1
 * @param windowDurationSeconds  window length, 1..2^64 - 1
 * @param adminDelaySeconds      how long a begun default-admin transfer waits before the new admin can accept
 *                               it (AccessControlDefaultAdminRules), 0..{@value #MAX_ADMIN_DELAY_SECONDS}
 */
public record EscrowLimits(BigInteger withdrawalDelaySeconds, BigInteger maxPayoutAmount,
                           BigInteger maxBatchAmount, BigInteger windowCapAmount,
                           BigInteger windowDurationSeconds, BigInteger adminDelaySeconds) {

    /** The contract's MIN_WITHDRAWAL_DELAY: longer than a batch can stay in flight. */
    public static final long MIN_WITHDRAWAL_DELAY_SECONDS = 3_600;
    /** The contract's MAX_WITHDRAWAL_DELAY (30 days). */
    public static final long MAX_WITHDRAWAL_DELAY_SECONDS = 30 * 86_400;
    /** The contract's MAX_ADMIN_DELAY (30 days). */
    public static final long MAX_ADMIN_DELAY_SECONDS = 30 * 86_400;
    /**
     * Safe default admin delay (3 days, as in OpenZeppelin's example): a begun transfer of the admin role (by a
     * stolen admin key, say) is visible on-chain for days and can be cancelled before it takes effect.
     */
    public static final long DEFAULT_ADMIN_DELAY_SECONDS = 3 * 86_400;
    /** The dev chain's admin delay: short, so the two-step transfer can be tried. */
    public static final long DEV_ADMIN_DELAY_SECONDS = 60;

    private static final BigInteger MAX_UINT128 = BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE);
    private static final BigInteger MAX_UINT64 = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    public EscrowLimits {
        requireRange("withdrawalDelaySeconds", withdrawalDelaySeconds, BigInteger.valueOf(MIN_WITHDRAWAL_DELAY_SECONDS),
                BigInteger.valueOf(MAX_WITHDRAWAL_DELAY_SECONDS));
        requireRange("maxPayoutAmount", maxPayoutAmount, BigInteger.ZERO, MAX_UINT128);
        requireRange("maxBatchAmount", maxBatchAmount, BigInteger.ZERO, MAX_UINT128);
        requireRange("windowCapAmount", windowCapAmount, BigInteger.ZERO, MAX_UINT128);
        requireRange("windowDurationSeconds", windowDurationSeconds, BigInteger.ONE, MAX_UINT64);
        requireRange("adminDelaySeconds", adminDelaySeconds, BigInteger.ZERO, BigInteger.valueOf(MAX_ADMIN_DELAY_SECONDS));
    }

    /** The limits with the safe default admin delay ({@value #DEFAULT_ADMIN_DELAY_SECONDS} s). */
    public EscrowLimits(BigInteger withdrawalDelaySeconds, BigInteger maxPayoutAmount, BigInteger maxBatchAmount,
                        BigInteger windowCapAmount, BigInteger windowDurationSeconds) {
        this(withdrawalDelaySeconds, maxPayoutAmount, maxBatchAmount, windowCapAmount, windowDurationSeconds,
                BigInteger.valueOf(DEFAULT_ADMIN_DELAY_SECONDS));
    }

    /**
     * Dev-chain defaults for a 6-decimal token: notice period 1 h, 10k per payout, 1M per batch, 10M per day,
     * admin delay {@value #DEV_ADMIN_DELAY_SECONDS} s.
     */
    public static EscrowLimits devDefaults() {
        BigInteger unit = BigInteger.TEN.pow(6);
        return new EscrowLimits(BigInteger.valueOf(3600),
                BigInteger.valueOf(10_000).multiply(unit),
                BigInteger.valueOf(1_000_000).multiply(unit),
                BigInteger.valueOf(10_000_000).multiply(unit),
                BigInteger.valueOf(86_400),
                BigInteger.valueOf(DEV_ADMIN_DELAY_SECONDS));
    }

    /** The same limits with another admin delay (whole seconds, 0..{@value #MAX_ADMIN_DELAY_SECONDS} s). */
    public EscrowLimits withAdminDelay(Duration adminDelay) {
        Objects.requireNonNull(adminDelay, "adminDelay");
        if (adminDelay.getNano() != 0) {
            throw new IllegalArgumentException("adminDelay must be whole seconds, got " + adminDelay);
        }
        return new EscrowLimits(withdrawalDelaySeconds, maxPayoutAmount, maxBatchAmount, windowCapAmount,
                windowDurationSeconds, BigInteger.valueOf(adminDelay.getSeconds()));
    }

    private static void requireRange(String name, BigInteger value, BigInteger min, BigInteger max) {
        Objects.requireNonNull(value, name);
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new IllegalArgumentException(name + " must be in [" + min + ", " + max + "], got " + value);
        }
    }
}
