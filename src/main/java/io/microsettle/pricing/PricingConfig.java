package io.microsettle.pricing;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Pricing configuration. The fee schedule itself is in the database (versioned, edited with
 * PUT /v1/admin/fee-schedule); the network-fee model and quote lifetime are here.
 */
@ConfigMapping(prefix = "microsettle.pricing")
public interface PricingConfig {
    /** How long a quote can be used, in seconds; also the EIP-712 deadline. */
    @WithDefault("300")
    long quoteTtlSeconds();

    /** How long the fee schedule read from the database is used before it is read again (a change on this replica applies at once). */
    @WithDefault("1000")
    long feeScheduleCacheMillis();

    /** The largest gross of one cash-out, in base units. */
    @WithDefault("1000000000000")
    long maxAmountBaseUnits();

    Network network();

    /** The network-fee share: gas per payout x the next block's fee, converted at a configured rate. */
    interface Network {
        /** Gas one more payout adds for a payee never paid before (measured on SettlementEscrow.settleBatch). */
        @WithDefault("28500")
        long marginalGasNewPayee();

        /** Gas one more payout adds for a payee that already holds the token. */
        @WithDefault("11500")
        long marginalGasExistingPayee();

        @WithDefault("21000")
        long intrinsicGas();

        /** Fixed gas of one settleBatch call besides the payouts. */
        @WithDefault("60000")
        long batchOverheadGas();

        /** Payouts the fixed part is shared over. */
        @WithDefault("50")
        int expectedBatchSize();

        /** eth_feeHistory reward percentile for the tip. */
        @WithDefault("50")
        int tipPercentile();

        /** Margin on top of the estimate, basis points. */
        @WithDefault("2000")
        int safetyMarginBps();

        /** Token base units per 1e18 wei (one ether) = numerator / denominator; default 3,000 of a 6-decimal token. */
        @WithDefault("3000000000")
        long tokenBaseUnitsPerEtherNumerator();

        @WithDefault("1")
        long tokenBaseUnitsPerEtherDenominator();

        /** Blocks eth_feeHistory reads. */
        @WithDefault("10")
        int feeHistoryBlocks();

        /** How long one eth_feeHistory answer is used. */
        @WithDefault("5000")
        long feeHistoryCacheMillis();

        /** How long the last answer may still be used when the chain does not answer. */
        @WithDefault("60000")
        long feeHistoryMaxStaleMillis();
    }
}
