package io.microsettle.settlement;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.math.BigInteger;

@ConfigMapping(prefix = "microsettle.settlement")
public interface SettlementConfig {

    /** Run the batcher at all (off for tests that drive it by hand, or for a replica that only serves). */
    @WithDefault("true")
    boolean enabled();

    /**
     * How long a replica's lease on a settler key's lane lasts without renewal, in milliseconds: another
     * replica takes the lane over this long after the holder stopped (each pass renews it).
     */
    @WithDefault("15000")
    long leaseMillis();

    /**
     * How often the batcher runs (a Quarkus scheduler duration): as often as a fast chain makes blocks, so that each
     * block can be filled; a pass whose lane has no room only reads the lane's transaction counts.
     */
    @WithDefault("1s")
    String interval();

    /**
     * At most this many QUEUED cash-outs taken per tick (and per lane): enough for 16 full batches, so that a tick
     * can fill the blocks of a fast chain (a 30M-gas block a second takes about 3,600 payouts).
     */
    @WithDefault("8000")
    int maxCashoutsPerTick();

    /** At most this many batches created per tick (and per lane). */
    @WithDefault("16")
    int maxBatchesPerTick();

    /**
     * A tick claims its batches in transactions of at most this many batches each: the first ones are stored and
     * broadcast as soon as their claim commits, while the next claim and the estimates go on (one claim of 16
     * batches kept the node waiting for all of them).
     */
    @WithDefault("4")
    int claimChunkBatches();

    /**
     * At most this many of a lane's transactions unmined at the node (its pending minus its latest transaction
     * count) after a tick has claimed new batches: a slow chain is not flooded (geth keeps 16 executable
     * transactions per sender by default), a fast one is kept full.
     */
    @WithDefault("16")
    int maxInFlightPerLane();

    /**
     * At most this many settler keys' lanes passed over at once in a tick (each under its own lease, on its own
     * thread): a second key adds throughput instead of waiting for the first lane's pass.
     */
    @WithDefault("4")
    int laneWorkers();

    /**
     * At most this many batches measured ({@link io.microsettle.chain.CallGas}), encoded and signed at once, across all lanes (a
     * fixed pool); what is stored and broadcast stays in nonce order per lane.
     */
    @WithDefault("4")
    int signWorkers();

    /** At most this many payouts per batch (the contract's MAX_BATCH_PAYOUTS is 1000). */
    @WithDefault("500")
    int maxPayoutsPerBatch();

    /** Gas model: fixed part of a settleBatch transaction. */
    @WithDefault("200000")
    long baseGas();

    /** Gas model: upper bound per payout (new payee: storage + transfer + event + calldata). */
    @WithDefault("32000")
    long gasPerPayout();

    /** Headroom over the gas the node measures for a batch, percent (the model's bound is used only when the node refuses it). */
    @WithDefault("10")
    int gasHeadroomPercent();

    /** Gas cap per transaction (EIP-7825: 16,777,216). */
    @WithDefault("16777216")
    long maxGasPerTx();

    /** Priority fee (tip) in wei. */
    @WithDefault("1000000000")
    BigInteger priorityFeeWei();

    /** maxFeePerGas = latest base fee x this + tip. */
    @WithDefault("2")
    int baseFeeMultiplier();

    /** Never offer more than this per gas, in wei: a replacement that would need more is not sent (the lane alerts and waits). */
    @WithDefault("500000000000")
    BigInteger maxFeeCeilingWei();

    /** Check receipts of a submitted batch only once it has been pending this many blocks. */
    @WithDefault("3")
    int receiptCheckAfterBlocks();

    /** Replace (fee bump) a transaction with no receipt after this many blocks. */
    @WithDefault("12")
    int replaceAfterBlocks();

    /** Fee bump for a replacement, percent (>= 10: what nodes require of a replacement, on both fees). */
    @WithDefault("15")
    int feeBumpPercent();

    /** First pause before a failed broadcast is tried again, in milliseconds (it doubles each time up to the maximum). */
    @WithDefault("1000")
    long broadcastRetryBaseMillis();

    /** Longest pause between broadcast attempts, in milliseconds (a stored transaction is never given up). */
    @WithDefault("30000")
    long broadcastRetryMaxMillis();

    /** A lane whose broadcasts have failed this long raises settlement.stalled (once), in milliseconds. */
    @WithDefault("60000")
    long stallAlertAfterMillis();

    /**
     * How long readiness keeps reporting a {@code cancelled} alert once its batch has ended (its no-op final
     * and the cash-outs requeued, or the original mined after all), in milliseconds; while the batch is open it
     * is reported anyway (docs/settlement.md, "When an alert fires").
     */
    @WithDefault("900000")
    long alertReportMillis();

    /** At most this many nonces checked for receipts per lane and tick. */
    @WithDefault("20")
    int maxReceiptChecksPerTick();
}
