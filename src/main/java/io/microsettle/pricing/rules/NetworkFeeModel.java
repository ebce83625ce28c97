package io.microsettle.pricing.rules;

import io.microsettle.infra.RuleConfigException;

/**
 * Configuration of the network-fee share (static between deployments; the live part comes from
 * {@link FeeHistory}).
 *
 * @param marginalGasNewPayeeUnits          gas one more payout adds for a payee never paid before (~28.5k measured)
 * @param marginalGasExistingPayeeUnits     gas one more payout adds for a payee holding tokens already (~11.5k)
 * @param intrinsicGasUnits                 per-transaction intrinsic gas (21000)
 * @param batchOverheadGasUnits             fixed gas of one settleBatch call besides the payouts (~60k)
 * @param expectedBatchSize                 payouts a batch is expected to carry (1..{@value #MAX_BATCH_SIZE})
 * @param tipPercentile                     eth_feeHistory reward percentile the tips are read at (0..100)
 * @param safetyMarginBps                   added on top, in basis points (0..{@value #MAX_SAFETY_MARGIN_BPS})
 * @param tokenBaseUnitsPerEtherNumerator   token base units per 1e18 wei = numerator / denominator
 * @param tokenBaseUnitsPerEtherDenominator (> 0)
 */
public record NetworkFeeModel(
        long marginalGasNewPayeeUnits,
        long marginalGasExistingPayeeUnits,
        long intrinsicGasUnits,
        long batchOverheadGasUnits,
        int expectedBatchSize,
        int tipPercentile,
        int safetyMarginBps,
        long tokenBaseUnitsPerEtherNumerator,
        long tokenBaseUnitsPerEtherDenominator) {

    /** The contract's limit (MAX_BATCH_PAYOUTS). */
    public static final int MAX_BATCH_SIZE = 1_000;
    /** EIP-7825 per-transaction gas cap: no single figure can sensibly exceed it. */
    public static final long MAX_GAS_UNITS = 16_777_216L;
    /** Up to doubling the estimate. */
    public static final int MAX_SAFETY_MARGIN_BPS = 10_000;

    /** Measured gas figures of SettlementEscrow.settleBatch, as defaults for configuration. */
    public static final long MEASURED_NEW_PAYEE_GAS = 28_500;
    public static final long MEASURED_EXISTING_PAYEE_GAS = 11_500;
    public static final long INTRINSIC_GAS = 21_000;
    public static final long MEASURED_BATCH_OVERHEAD_GAS = 60_000;

    public NetworkFeeModel {
        RuleConfigException.requireRange("marginalGasNewPayeeUnits", marginalGasNewPayeeUnits, 1, MAX_GAS_UNITS);
        RuleConfigException.requireRange("marginalGasExistingPayeeUnits", marginalGasExistingPayeeUnits, 1,
                marginalGasNewPayeeUnits);
        RuleConfigException.requireRange("intrinsicGasUnits", intrinsicGasUnits, 0, MAX_GAS_UNITS);
        RuleConfigException.requireRange("batchOverheadGasUnits", batchOverheadGasUnits, 0, MAX_GAS_UNITS);
        RuleConfigException.requireRange("expectedBatchSize", expectedBatchSize, 1, MAX_BATCH_SIZE);
        RuleConfigException.requireRange("tipPercentile", tipPercentile, 0, 100);
        RuleConfigException.requireRange("safetyMarginBps", safetyMarginBps, 0, MAX_SAFETY_MARGIN_BPS);
        RuleConfigException.requireRange("tokenBaseUnitsPerEtherNumerator", tokenBaseUnitsPerEtherNumerator, 0,
                Long.MAX_VALUE);
        RuleConfigException.requireRange("tokenBaseUnitsPerEtherDenominator", tokenBaseUnitsPerEtherDenominator, 1,
                Long.MAX_VALUE);
    }

    /** The snapshot a quote stores: this model's figures with the live fees of {@code history}. */
    public GasInputs inputs(FeeHistory history, boolean newPayee) {
        return new GasInputs(
                newPayee ? marginalGasNewPayeeUnits : marginalGasExistingPayeeUnits,
                intrinsicGasUnits,
                batchOverheadGasUnits,
                expectedBatchSize,
                history.nextBaseFeeWeiPerGas(),
                history.tipWeiPerGas(),
                tipPercentile,
                safetyMarginBps,
                tokenBaseUnitsPerEtherNumerator,
                tokenBaseUnitsPerEtherDenominator);
    }
}
