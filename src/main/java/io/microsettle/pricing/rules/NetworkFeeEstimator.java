package io.microsettle.pricing.rules;

import io.microsettle.infra.IntMath;

import java.math.BigInteger;
import java.util.Objects;

/**
 * The network-fee share of one payout, a pure function of {@link GasInputs}:
 *
 * <pre>
 *   gas per payout  = marginal + (intrinsic + overhead) / n          (n = expected batch size)
 *   wei per payout  = gas per payout x (base fee + tip)
 *   fee (base units) = ceil( wei per payout x rateNum / (1e18 x rateDen) x (10000 + margin) / 10000 )
 * </pre>
 *
 * All of it is one exact rational, rounded UP once at the end (the share never under-collects
 * and there is no compounding of intermediate roundings). The fixed part is shared over more
 * payouts as n grows, so a fuller batch never costs a payout more.
 */
public final class NetworkFeeEstimator {

    static final BigInteger WEI_PER_ETHER = BigInteger.TEN.pow(18);
    private static final BigInteger BPS = BigInteger.valueOf(10_000);

    private NetworkFeeEstimator() {}

    public static NetworkFeeEstimate estimate(GasInputs in) {
        Objects.requireNonNull(in, "gasInputs");
        BigInteger n = BigInteger.valueOf(in.expectedBatchSize());
        // Total gas of n payouts: fits a long (<= 1.7e10 + 3.4e7) but keep it exact in BigInteger.
        BigInteger gasForN = BigInteger.valueOf(in.marginalGasUnits()).multiply(n)
                .add(BigInteger.valueOf(in.batchFixedGasUnits()));
        long weiPerGas = in.weiPerGas();
        BigInteger weiForN = gasForN.multiply(BigInteger.valueOf(weiPerGas));

        BigInteger numerator = weiForN
                .multiply(BigInteger.valueOf(in.tokenBaseUnitsPerEtherNumerator()))
                .multiply(BPS.add(BigInteger.valueOf(in.safetyMarginBps())));
        BigInteger denominator = n
                .multiply(WEI_PER_ETHER)
                .multiply(BigInteger.valueOf(in.tokenBaseUnitsPerEtherDenominator()))
                .multiply(BPS);
        long feeBaseUnits = IntMath.ceilDiv(numerator, denominator).longValueExact();

        long gasPerPayout = IntMath.ceilDiv(gasForN, n).longValueExact();
        BigInteger weiPerPayout = IntMath.ceilDiv(weiForN, n);
        return new NetworkFeeEstimate(in, gasPerPayout, weiPerGas, weiPerPayout, feeBaseUnits);
    }
}
