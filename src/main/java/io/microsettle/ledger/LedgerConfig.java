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

    /**
     * The longest a credit request waits for the replica's credit writer (in memory, holding no
     * connection) before it is answered 503 busy.
     */
    @WithDefault("30000")
    long creditWaitMillis();

    /** The most items the credit writer posts in one transaction (requests waiting together, whole). */
    @WithDefault("10000")
    int creditBatchMaxItems();

    /**
     * Credit writers per replica: each posts a batch in its own transaction (one pooled connection); two
     * overlap one batch's entry inserts with the other's, and their balance upserts take turns.
     */
    @WithDefault("2")
    int creditWriters();
}
