package io.microsettle.chain;

import java.math.BigInteger;
import java.util.Objects;

/**
 * The SettlementEscrow constructor's limits, in token base units and seconds. Caps are on gross amounts
 * (net + fee).
 */
public record EscrowLimits(BigInteger withdrawalDelaySeconds, BigInteger maxPayoutAmount,
                           BigInteger maxBatchAmount, BigInteger windowCapAmount,
                           BigInteger windowDurationSeconds) {

    public EscrowLimits {
        Objects.requireNonNull(withdrawalDelaySeconds);
        Objects.requireNonNull(maxPayoutAmount);
        Objects.requireNonNull(maxBatchAmount);
        Objects.requireNonNull(windowCapAmount);
        Objects.requireNonNull(windowDurationSeconds);
    }

    /** Dev-chain defaults for a 6-decimal token: delay 1 h, 10k per payout, 1M per batch, 10M per day. */
    public static EscrowLimits devDefaults() {
        BigInteger unit = BigInteger.TEN.pow(6);
        return new EscrowLimits(BigInteger.valueOf(3600),
                BigInteger.valueOf(10_000).multiply(unit),
                BigInteger.valueOf(1_000_000).multiply(unit),
                BigInteger.valueOf(10_000_000).multiply(unit),
                BigInteger.valueOf(86_400));
    }
}
