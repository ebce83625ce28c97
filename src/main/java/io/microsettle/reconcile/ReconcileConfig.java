package io.microsettle.reconcile;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

/** The follower of the escrow's logs; how deep a log must be before it counts is {@code microsettle.chain.confirmations}; the block range of each eth_getLogs call and the first block read are {@code microsettle.chain.max-block-range} and {@code microsettle.chain.start-block}. */
@ConfigMapping(prefix = "microsettle.reconcile")
public interface ReconcileConfig {

    @WithDefault("true")
    boolean enabled();

    /** How often the follower runs (a Quarkus scheduler duration). */
    @WithDefault("2s")
    String interval();

    /** How long a replica's reconcile lease lasts without renewal, in milliseconds (another replica takes over after it). */
    @WithDefault("15000")
    long leaseMillis();

    /** At most this many ranges read per tick. */
    @WithDefault("10")
    int maxRangesPerTick();

    /**
     * At most this many PayoutSettled logs settled in one range's transaction (at most the cash-out store's set
     * limit, 10,000): a range that holds more ends at the block before the first log over the limit (a single block
     * that holds more is settled alone, in several sets of this size in its one transaction).
     */
    @WithDefault("10000")
    @Min(1)
    @Max(10000)
    int maxPayoutsPerRange();

    /**
     * A range's payouts are settled in at most this many transactions at once (each with its own database
     * connection and backend), so that ingestion uses more than one of the database's cores.
     */
    @WithDefault("2")
    @Min(1)
    @Max(8)
    int settleWorkers();

    /** A part of a range settled at once has at least this many payouts (a smaller range is settled in one). */
    @WithDefault("1000")
    @Min(1)
    int minPayoutsPerSettlePart();

    /** Stored block hashes checked (newest first) when looking for a reorg; also how many are kept. */
    @WithDefault("128")
    int reorgWindowBlocks();

    /**
     * A cash-out SUBMITTED (or sent back to SUBMITTED by a reorg) this long ago with no settlement seen is a
     * STALE_SUBMISSION discrepancy, in milliseconds (recorded once per cash-out and transaction).
     */
    @WithDefault("1800000")
    long staleSubmissionMillis();

    /** At most this many stale submissions recorded per tick. */
    @WithDefault("100")
    int maxStalePerTick();
}
