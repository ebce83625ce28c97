package io.microsettle.pricing.rules;

import io.microsettle.infra.RuleConfigException;

/**
 * Everything the network-fee share was computed from; a quote stores it so the figure can be
 * recomputed and audited. Built by {@link NetworkFeeModel#inputs}.
 *
 * @param marginalGasUnits                  gas the payout adds to a batch (new or existing payee)
 * @param intrinsicGasUnits                 per-transaction intrinsic gas
 * @param batchOverheadGasUnits             fixed gas of the settleBatch call besides payouts
 * @param expectedBatchSize                 payouts the fixed part is shared over
 * @param baseFeeWeiPerGas                  next block's base fee
 * @param tipWeiPerGas                      priority fee
 * @param tipPercentile                     percentile the tip was read at (recorded, not used in the arithmetic)
 * @param safetyMarginBps                   margin on top, basis points
 * @param tokenBaseUnitsPerEtherNumerator   rate: numerator / denominator token base units per 1e18 wei
 * @param tokenBaseUnitsPerEtherDenominator rate denominator (> 0)
 */
public record GasInputs(
        long marginalGasUnits,
        long intrinsicGasUnits,
        long batchOverheadGasUnits,
        int expectedBatchSize,
        long baseFeeWeiPerGas,
        long tipWeiPerGas,
        int tipPercentile,
        int safetyMarginBps,
        long tokenBaseUnitsPerEtherNumerator,
        long tokenBaseUnitsPerEtherDenominator) {

    public GasInputs {
        RuleConfigException.requireRange("marginalGasUnits", marginalGasUnits, 1, NetworkFeeModel.MAX_GAS_UNITS);
        RuleConfigException.requireRange("intrinsicGasUnits", intrinsicGasUnits, 0, NetworkFeeModel.MAX_GAS_UNITS);
        RuleConfigException.requireRange("batchOverheadGasUnits", batchOverheadGasUnits, 0, NetworkFeeModel.MAX_GAS_UNITS);
        RuleConfigException.requireRange("expectedBatchSize", expectedBatchSize, 1, NetworkFeeModel.MAX_BATCH_SIZE);
        RuleConfigException.requireRange("baseFeeWeiPerGas", baseFeeWeiPerGas, 0, FeeHistory.MAX_WEI_PER_GAS);
        RuleConfigException.requireRange("tipWeiPerGas", tipWeiPerGas, 0, FeeHistory.MAX_WEI_PER_GAS);
        RuleConfigException.requireRange("tipPercentile", tipPercentile, 0, 100);
        RuleConfigException.requireRange("safetyMarginBps", safetyMarginBps, 0, NetworkFeeModel.MAX_SAFETY_MARGIN_BPS);
        RuleConfigException.requireRange("tokenBaseUnitsPerEtherNumerator", tokenBaseUnitsPerEtherNumerator, 0,
                Long.MAX_VALUE);
        RuleConfigException.requireRange("tokenBaseUnitsPerEtherDenominator", tokenBaseUnitsPerEtherDenominator, 1,
                Long.MAX_VALUE);
    }

    /** Same inputs with another expected batch size (to price fuller or emptier batches). */
    public GasInputs withExpectedBatchSize(int size) {
        return new GasInputs(marginalGasUnits, intrinsicGasUnits, batchOverheadGasUnits, size, baseFeeWeiPerGas,
                tipWeiPerGas, tipPercentile, safetyMarginBps, tokenBaseUnitsPerEtherNumerator,
                tokenBaseUnitsPerEtherDenominator);
    }

    /** Gas fixed per batch: intrinsic + overhead. */
    public long batchFixedGasUnits() {
        return intrinsicGasUnits + batchOverheadGasUnits;
    }

    /** Fee per gas the estimate assumes: base fee + tip. */
    public long weiPerGas() {
        return baseFeeWeiPerGas + tipWeiPerGas;
    }
}
