package io.microsettle.audit;

import io.agroal.api.AgroalDataSource;
import io.microsettle.chain.ChainClient;
import io.microsettle.infra.Db;
import io.microsettle.chain.ChainConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.methods.request.EthFilter;
import org.web3j.protocol.core.methods.response.EthLog;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.utils.Numeric;

import java.io.IOException;
import java.math.BigInteger;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The latest anchor as the chain has it (never as the database says): the escrow's {@code lastAnchoredSeq()}
 * and its {@code AuditAnchored(seq, root)} log. The stored anchor's block is only a hint of where to look;
 * without one (or when it is wrong) the log is searched backwards from the latest block in ranges of
 * {@code microsettle.chain.max-block-range}, down to {@code microsettle.chain.start-block}. Network
 * calls only: never called with a transaction open.
 */
@ApplicationScoped
public class ChainAnchors {
    /** The most eth_getLogs ranges one search reads. */
    static final int MAX_RANGES = 500;

    @Inject
    ChainClient chain;
    @Inject
    AgroalDataSource ds;
    @Inject
    ChainConfig chainConfig;

    /** The chain could not be read: the log cannot be checked against its anchor now. */
    public static final class Unavailable extends RuntimeException {
        public Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    public record OnChain(long seq, String root, String txHash, long blockNumber, String blockHash, int logIndex) {}

    /** Empty when nothing was anchored yet; IllegalStateException when the chain cannot be read or lacks the log. */
    public Optional<OnChain> latest() {
        try {
            long seq = chain.escrowReader().lastAnchoredSeq().send().longValueExact();
            if (seq == 0) return Optional.empty();
            OptionalLong hint = Db.one(ds, "SELECT block_number FROM audit_anchors WHERE seq = ? AND block_number IS NOT NULL "
                    + "ORDER BY id DESC LIMIT 1", rs -> OptionalLong.of(rs.getLong(1)), seq).orElse(OptionalLong.empty());
            if (hint.isPresent()) {
                Optional<OnChain> at = find(seq, hint.getAsLong(), hint.getAsLong());
                if (at.isPresent()) return at;
            }
            long to = chain.web3j().ethBlockNumber().send().getBlockNumber().longValueExact();
            long floor = Math.max(0, chainConfig.startBlock());
            for (int i = 0; i < MAX_RANGES && to >= floor; i++) {
                long from = Math.max(floor, to - chainConfig.maxBlockRange() + 1);
                Optional<OnChain> found = find(seq, from, to);
                if (found.isPresent()) return found;
                to = from - 1;
            }
            throw new IllegalStateException("the escrow's last anchored seq is " + seq + " but its AuditAnchored log was not found");
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the latest anchor from the chain: " + e.getMessage(), e);
        } catch (Exception e) {
            if (e instanceof RuntimeException re) throw re;
            throw new IllegalStateException("cannot read the latest anchor from the chain: " + e.getMessage(), e);
        }
    }

    private Optional<OnChain> find(long seq, long from, long to) throws IOException {
        EthFilter filter = new EthFilter(DefaultBlockParameter.valueOf(BigInteger.valueOf(from)),
                DefaultBlockParameter.valueOf(BigInteger.valueOf(to)), chain.escrowAddress());
        filter.addSingleTopic(Anchorer.AUDIT_ANCHORED_TOPIC);
        filter.addSingleTopic(Numeric.toHexStringWithPrefixZeroPadded(BigInteger.valueOf(seq), 64));
        EthLog logs = chain.web3j().ethGetLogs(filter).send();
        if (logs.hasError()) throw new IllegalStateException("eth_getLogs: " + logs.getError().getMessage());
        for (EthLog.LogResult<?> lr : logs.getLogs()) {
            Log l = (Log) lr.get();
            if (l.isRemoved()) continue;
            return Optional.of(new OnChain(seq, Numeric.cleanHexPrefix(l.getData()).toLowerCase(), l.getTransactionHash(),
                    l.getBlockNumber().longValueExact(), l.getBlockHash(), l.getLogIndex().intValueExact()));
        }
        return Optional.empty();
    }
}
