package io.microsettle.ledger;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The escrow funding check of cash-out requests. Funders per integrator: microsettle.settlement.funders / default-funder. */
@ConfigMapping(prefix = "microsettle.funding")
public interface FundingConfig {
    /** Refuse cash-outs the integrator's escrow balance does not cover (insufficient_escrow). */
    @WithDefault("true")
    boolean enabled();

    /** How long one funderBalance read is used, in milliseconds. */
    @WithDefault("2000")
    long balanceCacheMillis();

    /** Funders whose balance is cached at most (the cache is cleared when full). */
    @WithDefault("1000")
    int balanceCacheSize();
}
