package io.microsettle.pricing;

import io.microsettle.chain.ChainClient;
import io.microsettle.infra.ApiException;
import io.microsettle.pricing.rules.FeeHistory;
import io.microsettle.pricing.rules.NetworkFeeModel;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.response.EthFeeHistory;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * The chain's fees for pricing: {@code eth_feeHistory} over the last blocks through
 * {@link ChainClient}, cached for {@code fee-history-cache-millis} (one entry; one caller
 * refreshes while the others use the cached answer). A failed read keeps the last answer up
 * to {@code fee-history-max-stale-millis}; with none usable a quote is refused with 503
 * {@code network_fee_unavailable}.
 */
@ApplicationScoped
public class NetworkFees {
    private static final Logger LOG = Logger.getLogger(NetworkFees.class);

    record Cached(FeeHistory history, long fetchedAtMillis) {}

    @Inject
    ChainClient chain;
    @Inject
    PricingConfig config;

    private NetworkFeeModel model;
    private volatile Cached cached;
    private final Object refreshLock = new Object();
    private final java.util.concurrent.atomic.AtomicLong reads = new java.util.concurrent.atomic.AtomicLong();

    @PostConstruct
    void init() {
        PricingConfig.Network n = config.network();
        model = new NetworkFeeModel(n.marginalGasNewPayee(), n.marginalGasExistingPayee(), n.intrinsicGas(), n.batchOverheadGas(),
                n.expectedBatchSize(), n.tipPercentile(), n.safetyMarginBps(), n.tokenBaseUnitsPerEtherNumerator(),
                n.tokenBaseUnitsPerEtherDenominator());
    }

    public NetworkFeeModel model() {
        return model;
    }

    /** The fee history to price with now (cached). */
    public FeeHistory history() {
        long now = System.currentTimeMillis();
        Cached c = cached;
        if (c != null && now - c.fetchedAtMillis() < config.network().feeHistoryCacheMillis()) return c.history();
        synchronized (refreshLock) {
            c = cached;
            if (c != null && now - c.fetchedAtMillis() < config.network().feeHistoryCacheMillis()) return c.history();
            try {
                FeeHistory h = read();
                cached = new Cached(h, System.currentTimeMillis());
                return h;
            } catch (RuntimeException | java.io.IOException e) {
                if (c != null && now - c.fetchedAtMillis() < config.network().feeHistoryMaxStaleMillis()) {
                    LOG.warnf("eth_feeHistory failed (%s); using the answer from %d ms ago", e, now - c.fetchedAtMillis());
                    return c.history();
                }
                throw ApiException.unavailable("network_fee_unavailable", "the chain's fees could not be read; retry shortly", 5);
            }
        }
    }

    /** How many times eth_feeHistory was called (for tests and metrics). */
    public long reads() {
        return reads.get();
    }

    private FeeHistory read() throws java.io.IOException {
        reads.incrementAndGet();
        int blocks = config.network().feeHistoryBlocks();
        EthFeeHistory r = chain.web3j().ethFeeHistory(blocks, DefaultBlockParameterName.LATEST,
                List.of((double) model.tipPercentile())).send();
        if (r.hasError()) throw new java.io.IOException("eth_feeHistory: " + r.getError().getMessage());
        EthFeeHistory.FeeHistory fh = r.getFeeHistory();
        List<Long> base = new ArrayList<>();
        for (BigInteger b : fh.getBaseFeePerGas()) base.add(b.longValueExact());
        List<Long> rewards = new ArrayList<>();
        if (fh.getReward() != null) {
            for (List<BigInteger> perBlock : fh.getReward()) {
                if (perBlock != null && !perBlock.isEmpty()) rewards.add(perBlock.getFirst().longValueExact());
            }
        }
        return new FeeHistory(base, rewards);
    }
}
