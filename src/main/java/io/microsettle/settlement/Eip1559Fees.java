package io.microsettle.settlement;

import java.math.BigInteger;

/** EIP-1559 fee pair of a transaction, in wei. */
public record Eip1559Fees(BigInteger maxPriorityFeePerGasWei, BigInteger maxFeePerGasWei) {

    /** Replacement rule of the common clients (geth, anvil, ganache): at least +10% on both. */
    public static final int MIN_BUMP_PERCENT = 10;

    public Eip1559Fees {
        if (maxPriorityFeePerGasWei.signum() < 0 || maxFeePerGasWei.compareTo(maxPriorityFeePerGasWei) < 0)
            throw new IllegalArgumentException("need 0 <= tip <= maxFee");
    }

    /** maxFee = baseFee x multiplier + tip; never above the configured ceiling (but never below the tip). */
    public static Eip1559Fees forBaseFee(BigInteger baseFeeWei, BigInteger tipWei, int baseFeeMultiplier, BigInteger maxFeeCeilingWei) {
        BigInteger maxFee = baseFeeWei.multiply(BigInteger.valueOf(baseFeeMultiplier)).add(tipWei);
        if (maxFeeCeilingWei != null && maxFee.compareTo(maxFeeCeilingWei) > 0) maxFee = maxFeeCeilingWei.max(tipWei);
        return new Eip1559Fees(tipWei, maxFee);
    }

    /** What a replacement can be sent with: bumped fees, or nothing under the ceiling. */
    public sealed interface Bump permits Bumped, AtCeiling {}

    /** A replacement's fees: both at least +bumpPercent over the replaced ones, at most the ceiling. */
    public record Bumped(Eip1559Fees fees) implements Bump {}

    /** Nodes would refuse any replacement under the ceiling (it needs {@code required} max fee per gas): alert and wait. */
    public record AtCeiling(BigInteger requiredMaxFeePerGasWei, BigInteger ceilingWei) implements Bump {}

    /**
     * The replacement of a transaction sent with these fees: both fees +bumpPercent (at least the 10 %
     * nodes require of a replacement) and at least the market's; never above {@code ceilingWei}, and
     * when the bump does not fit under it, {@link AtCeiling} (a replacement that is not a full bump
     * is refused as underpriced, so none is sent).
     */
    public Bump bumpedWithin(int bumpPercent, Eip1559Fees market, BigInteger ceilingWei) {
        if (bumpPercent < MIN_BUMP_PERCENT) throw new IllegalArgumentException("bump must be >= " + MIN_BUMP_PERCENT + "%");
        BigInteger minTip = bump(maxPriorityFeePerGasWei, bumpPercent);
        BigInteger minMax = bump(maxFeePerGasWei, bumpPercent).max(minTip);
        if (minMax.compareTo(ceilingWei) > 0) return new AtCeiling(minMax, ceilingWei);
        BigInteger max = minMax.max(market.maxFeePerGasWei).min(ceilingWei);
        BigInteger tip = minTip.max(market.maxPriorityFeePerGasWei).min(max);
        return new Bumped(new Eip1559Fees(tip, max));
    }

    /**
     * Fees for a replacement of a transaction sent with these fees: each at least +bumpPercent
     * (rounded up, and at least +1 wei), and at least what the market asks now.
     */
    public Eip1559Fees bumped(int bumpPercent, Eip1559Fees market) {
        if (bumpPercent < MIN_BUMP_PERCENT) throw new IllegalArgumentException("bump must be >= " + MIN_BUMP_PERCENT + "%");
        BigInteger tip = bump(maxPriorityFeePerGasWei, bumpPercent).max(market.maxPriorityFeePerGasWei);
        BigInteger max = bump(maxFeePerGasWei, bumpPercent).max(market.maxFeePerGasWei).max(tip);
        return new Eip1559Fees(tip, max);
    }

    static BigInteger bump(BigInteger v, int percent) {
        BigInteger hundred = BigInteger.valueOf(100);
        BigInteger num = v.multiply(BigInteger.valueOf(100L + percent));
        BigInteger up = num.add(hundred.subtract(BigInteger.ONE)).divide(hundred);
        return up.compareTo(v) > 0 ? up : v.add(BigInteger.ONE);
    }
}
