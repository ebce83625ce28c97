package io.microsettle.settlement;

import io.microsettle.audit.AuditLog;
import io.microsettle.cashout.CashoutStore;
import io.microsettle.chain.ChainClient;
import io.microsettle.chain.ChainConfig;
import io.microsettle.chain.ConfirmationDepth;
import io.microsettle.infra.Leases;
import io.microsettle.ledger.EscrowFunding;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Hash;
import org.web3j.crypto.RawTransaction;
import org.web3j.crypto.TransactionEncoder;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.response.EthBlock;
import org.web3j.protocol.core.methods.response.EthSendTransaction;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.utils.Numeric;

/**
 * The settlement pipeline: QUEUED cash-outs → batch (BATCHED) → signed and stored settleBatch
 * transaction → broadcast (SUBMITTED) → receipt checks (FAILED on a revert deep enough) and
 * fee-bumped replacements. Reconciliation (CONFIRMED/SETTLED) is the reconcile feature's job, from logs.
 *
 * <p>No JSON-RPC call happens inside a database transaction: the chain is read first (nonce, fees),
 * cash-outs are claimed in one short transaction, gas is estimated and the transaction signed with
 * no transaction open, and the result is recorded in another short one.
 */
@ApplicationScoped
public class SettlementService {
    private static final Logger LOG = Logger.getLogger(SettlementService.class);
    private static final String ACTOR = SettlementStore.ACTOR;
    /** Stored transactions broadcast per pass at most. */
    static final int MAX_BROADCASTS_PER_PASS = 100;

    @Inject ChainClient chain;
    @Inject ChainConfig chainConfig;
    @Inject AuditLog audit;
    @Inject SettlementConfig cfg;
    @Inject EscrowFunding funding;
    @Inject SettlementStore store;
    @Inject CashoutStore cashouts;
    @Inject Leases leases;

    /**
     * The lease of the settler key's lane: one replica submits for a key at a time. Taken or renewed at
     * each step; empty while another replica holds it (this one then does nothing).
     */
    Optional<Leases.Lease> lease() {
        String name = "settler:" + chain.chainId() + ":" + chain.settler().getAddress().toLowerCase();
        return leases.acquire(name, java.time.Duration.ofMillis(cfg.leaseMillis()));
    }

    /** One pass: rebroadcast stored transactions, create and sign new batches, broadcast, check receipts. */
    public synchronized TickResult tick() {
        int rebroadcast = broadcastStored();
        int batches = createBatches();
        int sent = batches > 0 ? broadcastStored() : 0;
        int checked = checkSubmitted();
        return new TickResult(batches, rebroadcast + sent, checked);
    }

    public record TickResult(int batchesCreated, int transactionsBroadcast, int batchesChecked) {}

    // ---------------------------------------------------------------- batching and signing

    /** Claims QUEUED cash-outs into batches, then signs and stores every batch that has no transaction yet. Returns batches created. */
    public int createBatches() {
        Optional<Leases.Lease> held = lease();
        if (held.isEmpty()) return 0;
        Leases.Lease lease = held.get();
        Credentials settler = chain.settler();
        long pending = pendingCount(settler.getAddress());
        Eip1559Fees fees = marketFees();
        List<SettlementStore.Batch> created = QuarkusTransaction.requiringNew().call(() -> claim(lease, settler.getAddress(), pending));
        for (SettlementStore.Batch b : store.unsigned(cfg.maxBatchesPerTick())) {
            if (!b.fromAddress().equalsIgnoreCase(settler.getAddress())) {
                LOG.warnf("batch %s was claimed for %s, not the current settler; left for it", b.id(), b.fromAddress());
                continue;
            }
            signAndStore(lease, b, settler, fees, b.nonce(), null);
        }
        return created.size();
    }

    private List<SettlementStore.Batch> claim(Leases.Lease lease, String settler, long chainPendingCount) {
        BatchPlanner planner = new BatchPlanner(cfg.maxPayoutsPerBatch(), new GasModel(cfg.baseGas(), cfg.gasPerPayout(), cfg.maxGasPerTx()));
        List<PayoutCandidate> fundable = new ArrayList<>();
        for (CashoutStore.Queued q : cashouts.claimQueued(cfg.maxCashoutsPerTick())) {
            if (funding.funderOf(q.integratorId()).isPresent()) {
                fundable.add(new PayoutCandidate(q.id(), q.integratorId(), q.accountId(), q.destination(), q.grossBaseUnits(),
                        q.netBaseUnits(), q.feeBaseUnits()));
            } else {
                LOG.warnf("no funder configured for integrator %s; cash-out %s stays QUEUED", q.integratorId(), q.id());
            }
        }
        List<SettlementStore.Batch> out = new ArrayList<>();
        for (BatchPlanner.PlannedBatch plan : planner.plan(fundable, cfg.maxBatchesPerTick())) {
            String funder = funding.funderOf(plan.integratorId()).orElseThrow();
            out.add(store.create(lease, plan, funder, settler, chain.chainId(), chainPendingCount));
        }
        return out;
    }

    /** Estimates gas and signs (no transaction open), then stores the signed transaction in a short one. */
    private void signAndStore(Leases.Lease lease, SettlementStore.Batch b, Credentials settler, Eip1559Fees fees, long nonce,
                              Long replacesTxId) {
        String data = SettleBatchCall.encode(b.chainBatchId(), b.funder(), b.payouts());
        long gasLimit = gasLimit(settler.getAddress(), data, b.estimatedGas());
        RawTransaction raw = RawTransaction.createTransaction(chain.chainId(), BigInteger.valueOf(nonce), BigInteger.valueOf(gasLimit),
                chain.escrowAddress(), BigInteger.ZERO, data, fees.maxPriorityFeePerGasWei(), fees.maxFeePerGasWei());
        String rawHex = Numeric.toHexString(TransactionEncoder.signMessage(raw, settler));
        String txHash = Hash.sha3(rawHex);
        try {
            QuarkusTransaction.requiringNew().run(() -> {
                store.storeSigned(lease, b.id(), settler.getAddress(), chain.chainId(), nonce, gasLimit, fees, rawHex, txHash, replacesTxId);
                if (replacesTxId != null) {
                    audit.append(ACTOR, "batch.replacement_signed", b.id(), Map.of("txHash", txHash, "nonce", nonce,
                            "maxFeePerGasWei", fees.maxFeePerGasWei().toString(),
                            "maxPriorityFeePerGasWei", fees.maxPriorityFeePerGasWei().toString()));
                }
            });
        } catch (RuntimeException e) {
            // another signer stored this batch's first transaction first (a unique index): nothing lost
            LOG.warnf("batch %s: signed transaction not stored: %s", b.id(), e.getMessage());
        }
    }

    /**
     * The gas limit: the node's estimate with headroom when it can give one, never below the model's bound,
     * never above the per-transaction cap. A failing estimate (the call would revert) keeps the model's bound;
     * the revert is then seen in the receipt and the cash-outs fail and are released.
     */
    long gasLimit(String from, String data, long modelGas) {
        try {
            var est = chain.web3j().ethEstimateGas(org.web3j.protocol.core.methods.request.Transaction.createEthCallTransaction(
                    from, chain.escrowAddress(), data)).send();
            if (est.hasError()) {
                LOG.warnf("eth_estimateGas refused the batch (%s); using the model's %d gas", est.getError().getMessage(), modelGas);
                return modelGas;
            }
            long withHeadroom = est.getAmountUsed().longValueExact() * (100L + cfg.gasHeadroomPercent()) / 100L;
            return Math.min(cfg.maxGasPerTx(), Math.max(modelGas, withHeadroom));
        } catch (IOException e) {
            return modelGas;
        }
    }

    private long pendingCount(String address) {
        try {
            return chain.web3j().ethGetTransactionCount(address, DefaultBlockParameterName.PENDING).send().getTransactionCount().longValueExact();
        } catch (IOException e) {
            throw new IllegalStateException("eth_getTransactionCount failed: " + e.getMessage(), e);
        }
    }

    Eip1559Fees marketFees() {
        try {
            EthBlock.Block latest = chain.web3j().ethGetBlockByNumber(DefaultBlockParameterName.LATEST, false).send().getBlock();
            BigInteger base = latest.getBaseFeePerGas() == null ? BigInteger.ZERO : latest.getBaseFeePerGas();
            return Eip1559Fees.forBaseFee(base, cfg.priorityFeeWei(), cfg.baseFeeMultiplier(), cfg.maxFeeCeilingWei());
        } catch (IOException e) {
            throw new IllegalStateException("eth_getBlockByNumber failed: " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- broadcasting

    /** Broadcasts every stored-but-unbroadcast transaction (also after a crash). Returns how many were accepted. */
    public int broadcastStored() {
        Optional<Leases.Lease> held = lease();
        if (held.isEmpty()) return 0;
        Leases.Lease lease = held.get();
        int accepted = 0;
        for (SettlementStore.StoredTx tx : store.signed(cfg.maxBroadcastAttempts(), MAX_BROADCASTS_PER_PASS)) {
            String error = null;
            try {
                EthSendTransaction r = chain.web3j().ethSendRawTransaction(tx.rawTx()).send();
                if (r.hasError()) error = r.getError().getMessage();
                else if (!r.getTransactionHash().equalsIgnoreCase(tx.txHash())) {
                    LOG.errorf("node returned hash %s for stored tx %s", r.getTransactionHash(), tx.txHash());
                }
            } catch (IOException e) {
                error = "io: " + e.getMessage();
            }
            BroadcastResult result = BroadcastResult.classify(error);
            if (result == BroadcastResult.NONCE_USED && receipt(tx.txHash()).isPresent()) result = BroadcastResult.ACCEPTED;
            if (result == BroadcastResult.ACCEPTED) {
                long head = headBlock();
                QuarkusTransaction.requiringNew().run(() -> store.submitted(lease, tx, head));
                accepted++;
            } else {
                String err = error;
                LOG.warnf("broadcast of %s (batch %s) refused: %s", tx.txHash(), tx.batchId(), err);
                QuarkusTransaction.requiringNew().run(() -> store.broadcastFailed(lease, tx.id(), err));
            }
        }
        return accepted;
    }

    // ---------------------------------------------------------------- receipts, failures, replacements

    /** Looks at batches pending for a while (not every transaction every tick): revert → FAILED; stuck → replacement. */
    public int checkSubmitted() {
        Optional<Leases.Lease> held = lease();
        if (held.isEmpty()) return 0;
        Leases.Lease lease = held.get();
        long head = headBlock();
        List<SettlementStore.SubmittedBatch> old = store.submittedBefore(head - cfg.receiptCheckAfterBlocks(), cfg.maxReceiptChecksPerTick());
        for (SettlementStore.SubmittedBatch b : old) {
            List<SettlementStore.StoredTx> txs = store.sentTxs(b.id());
            Optional<TransactionReceipt> mined = Optional.empty();
            for (SettlementStore.StoredTx t : txs) {
                mined = receipt(t.txHash());
                if (mined.isPresent()) break;
            }
            if (mined.isPresent()) {
                onReceipt(lease, b, mined.get(), head);
            } else if (!txs.isEmpty()) {
                SettlementStore.StoredTx last = txs.getFirst();
                long lastBroadcast = last.broadcastBlock() == null ? b.submittedBlock() : last.broadcastBlock();
                if (!store.replacementWaiting(b.id()) && head - lastBroadcast >= cfg.replaceAfterBlocks()
                        && txs.size() <= cfg.maxReplacements()) {
                    replace(lease, b, last);
                }
            }
        }
        return old.size();
    }

    /** A revert fails the batch only once its block is final (a reorg may yet mine the transaction successfully). */
    private void onReceipt(Leases.Lease lease, SettlementStore.SubmittedBatch b, TransactionReceipt r, long head) {
        long block = r.getBlockNumber().longValueExact();
        if (r.isStatusOK()) {
            QuarkusTransaction.requiringNew().run(() -> store.mined(lease, r.getTransactionHash()));
            return;
        }
        if (!ConfirmationDepth.isFinal(head, block, chainConfig.confirmations())) return;
        int failed = QuarkusTransaction.requiringNew().call(() -> store.failed(lease, b.id(), r.getTransactionHash(), block, r.getGasUsed()));
        LOG.warnf("batch %s reverted in %s (gas used %s); %d cash-outs FAILED and released", b.id(), r.getTransactionHash(),
                r.getGasUsed(), failed);
    }

    private void replace(Leases.Lease lease, SettlementStore.SubmittedBatch b, SettlementStore.StoredTx last) {
        Eip1559Fees market = marketFees();
        Eip1559Fees bumped = new Eip1559Fees(last.maxPriorityFeePerGasWei(), last.maxFeePerGasWei()).bumped(cfg.feeBumpPercent(), market);
        SettlementStore.Batch batch = new SettlementStore.Batch(b.id(), b.chainBatchId(), b.funder(), last.fromAddress(), last.nonce(),
                store.payouts(b.id()), b.estimatedGas());
        signAndStore(lease, batch, chain.settler(), bumped, last.nonce(), last.id());
    }

    // ---------------------------------------------------------------- chain reads

    Optional<TransactionReceipt> receipt(String txHash) {
        try {
            return chain.web3j().ethGetTransactionReceipt(txHash).send().getTransactionReceipt();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    long headBlock() {
        try {
            return chain.web3j().ethBlockNumber().send().getBlockNumber().longValueExact();
        } catch (IOException e) {
            throw new IllegalStateException("eth_blockNumber failed: " + e.getMessage(), e);
        }
    }
}
