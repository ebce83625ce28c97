package io.microsettle.settlement;

/**
 * Upper-bound gas estimate of one {@code settleBatch} transaction: a fixed part (intrinsic gas, the
 * treasury transfer, the batch event) plus a per-payout part (calldata, bitmap word, transfer to a
 * possibly new payee, event). Used both to pack batches and as the transaction's gas limit.
 */
public record GasModel(long baseGas, long gasPerPayout, long maxGasPerTx) {

    /** EIP-7825: a transaction may use at most 2^24 gas. */
    public static final long EIP_7825_TX_GAS_CAP = 16_777_216L;

    public GasModel {
        if (baseGas <= 0 || gasPerPayout <= 0) throw new IllegalArgumentException("gas figures must be positive");
        if (maxGasPerTx <= baseGas + gasPerPayout || maxGasPerTx > EIP_7825_TX_GAS_CAP)
            throw new IllegalArgumentException("maxGasPerTx must be in (" + (baseGas + gasPerPayout) + ", " + EIP_7825_TX_GAS_CAP + "]");
    }

    public long estimateGas(int payoutCount) {
        return baseGas + gasPerPayout * (long) payoutCount;
    }

    /** How many payouts fit in one transaction under the gas cap. */
    public int maxPayoutsWithinGasCap() {
        return (int) Math.min(Integer.MAX_VALUE, (maxGasPerTx - baseGas) / gasPerPayout);
    }
}
