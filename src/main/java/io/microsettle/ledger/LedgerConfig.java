package io.microsettle.ledger;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

@ConfigMapping(prefix = "microsettle.ledger")
public interface LedgerConfig {
    /** The most items one POST /v1/credits may carry. */
    @WithDefault("1000")
    int maxCreditItems();

    /** The largest single amount, in base units (default 1,000,000 tokens of 6 decimals). */
    @WithDefault("1000000000000")
    long maxAmountBaseUnits();

    /** The longest credit reference, in characters. */
    @WithDefault("128")
    int maxReferenceLength();
}
