package io.microsettle.chain;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;

import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthBlock;
import org.web3j.protocol.core.methods.response.EthEstimateGas;
import org.web3j.tx.gas.ContractEIP1559GasProvider;

/**
 * EIP-1559 fees for web3j contract calls, read from the chain on every transaction: max fee =
 * 2 x the latest block's base fee + the priority fee; gas limit = {@code eth_estimateGas} + 20 %, capped at
 * {@link #maxGasLimit()} (16,777,216 by default, the EIP-7825 per-transaction cap). When the estimate fails
 * (the call would revert) the cap is used, so the transaction is still sent and its revert is recorded
 * on-chain (the receipt has status 0) instead of failing locally.
 */
public class Eip1559GasProvider implements ContractEIP1559GasProvider {

    /** EIP-7825: no transaction may use more gas. */
    public static final BigInteger EIP7825_TX_GAS_CAP = BigInteger.valueOf(16_777_216L);
    /** Priority fee used when the node has no opinion: 1 gwei. */
    public static final BigInteger DEFAULT_PRIORITY_FEE = BigInteger.valueOf(1_000_000_000L);

    private final Web3j web3j;
    private final long chainId;
    private final BigInteger priorityFee;
    private final BigInteger maxGasLimit;

    public Eip1559GasProvider(Web3j web3j, long chainId) {
        this(web3j, chainId, DEFAULT_PRIORITY_FEE, EIP7825_TX_GAS_CAP);
    }

    public Eip1559GasProvider(Web3j web3j, long chainId, BigInteger priorityFee, BigInteger maxGasLimit) {
        this.web3j = web3j;
        this.chainId = chainId;
        this.priorityFee = priorityFee;
        this.maxGasLimit = maxGasLimit;
    }

    @Override
    public long getChainId() {
        return chainId;
    }

    /** The latest block's base fee (0 if the chain has none). */
    public BigInteger latestBaseFee() {
        return latestBaseFeeWei(web3j);
    }

    /** The latest block's base fee in wei (0 if the chain has none, as before London); a failed read throws. */
    public static BigInteger latestBaseFeeWei(Web3j web3j) {
        try {
            EthBlock.Block block = web3j.ethGetBlockByNumber(DefaultBlockParameterName.LATEST, false).send().getBlock();
            if (block == null) throw new IllegalStateException("the node returned no latest block");
            return block.getBaseFeePerGasRaw() == null ? BigInteger.ZERO : block.getBaseFeePerGas();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the latest base fee: " + e.getMessage(), e);
        }
    }

    @Override
    public BigInteger getMaxFeePerGas() {
        return latestBaseFee().shiftLeft(1).add(priorityFee);
    }

    @Override
    public BigInteger getMaxPriorityFeePerGas() {
        return priorityFee;
    }

    /** Legacy gas price, for callers that need one: same as the max fee. */
    @Override
    public BigInteger getGasPrice() {
        return getMaxFeePerGas();
    }

    @Override
    public BigInteger getGasLimit(Transaction transaction) {
        try {
            EthEstimateGas estimate = web3j.ethEstimateGas(transaction).send();
            if (estimate.hasError() || estimate.getResult() == null) {
                return maxGasLimit;
            }
            BigInteger withMargin = estimate.getAmountUsed().multiply(BigInteger.valueOf(12)).divide(BigInteger.TEN);
            return withMargin.min(maxGasLimit);
        } catch (IOException e) {
            throw new UncheckedIOException("eth_estimateGas failed", e);
        }
    }

    @Override
    public BigInteger getGasLimit() {
        return maxGasLimit;
    }

    public BigInteger maxGasLimit() {
        return maxGasLimit;
    }
}
