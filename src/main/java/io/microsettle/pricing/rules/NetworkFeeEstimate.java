package io.microsettle.pricing.rules;

import java.math.BigInteger;
import java.util.Objects;

/**
 * The network-fee share of one payout.
 *
 * @param gasInputs            what it was computed from
 * @param gasPerPayoutUnits    marginal + fixed / batch size, rounded up (shown; the fee uses the exact ratio)
 * @param weiPerGas            base fee + tip
 * @param weiPerPayout         gas per payout x wei per gas, rounded up (shown)
 * @param networkFeeBaseUnits  the share in token base units, with the margin, rounded up once
 */
public record NetworkFeeEstimate(
        GasInputs gasInputs,
        long gasPerPayoutUnits,
        long weiPerGas,
        BigInteger weiPerPayout,
        long networkFeeBaseUnits) {

    public NetworkFeeEstimate {
        Objects.requireNonNull(gasInputs, "gasInputs");
        Objects.requireNonNull(weiPerPayout, "weiPerPayout");
        if (gasPerPayoutUnits <= 0 || weiPerGas < 0 || weiPerPayout.signum() < 0 || networkFeeBaseUnits < 0) {
            throw new IllegalArgumentException("negative or zero figure in network fee estimate");
        }
    }
}
