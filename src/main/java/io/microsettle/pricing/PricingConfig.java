package io.microsettle.pricing;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

@ConfigMapping(prefix = "microsettle.pricing")
public interface PricingConfig {
    /** Flat service fee per cash-out, in base units (0.25 of a 6-decimal token). */
    @WithDefault("250000")
    long serviceFeeBaseUnits();

    /** Flat network-fee share per cash-out, in base units (0.05 of a 6-decimal token). */
    @WithDefault("50000")
    long networkFeeBaseUnits();

    /** How long a quote can be used, in seconds; also the EIP-712 deadline. */
    @WithDefault("300")
    long quoteTtlSeconds();

    /** The largest gross of one cash-out, in base units. */
    @WithDefault("1000000000000")
    long maxAmountBaseUnits();
}
