package io.microsettle.settlement;

import io.microsettle.infra.Db;
import io.agroal.api.AgroalDataSource;
import io.microsettle.audit.AuditLog;
import io.microsettle.chain.ChainClient;
import io.microsettle.ledger.EscrowFunding;
import io.microsettle.ledger.LedgerService;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jboss.logging.Logger;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Hash;
import org.web3j.crypto.RawTransaction;
import org.web3j.crypto.TransactionEncoder;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.response.EthBlock;
import org.web3j.protocol.core.methods.response.EthSendTransaction;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.utils.Numeric;

/**
 * The settlement pipeline: QUEUED cash-outs → batch (BATCHED) → signed and stored settleBatch
 * transaction → broadcast (SUBMITTED) → receipt checks (FAILED on revert) and fee-bumped replacements.
 * Reconciliation (CONFIRMED/SETTLED) is the reconcile feature's job, from logs.
 */
@ApplicationScoped
public class SettlementService {
    private static final Logger LOG = Logger.getLogger(SettlementService.class);
    private static final String ACTOR = "settlement";

    @Inject AgroalDataSource ds;
    @Inject ChainClient chain;
    @Inject AuditLog audit;
    @Inject LedgerService ledger;
    @Inject SettlementConfig cfg;
    @Inject EscrowFunding funding;

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

    record BatchRow(String id, long chainBatchId, String funder, List<SettleBatchCall.Payout> payouts, long gasLimit) {}

    /** Takes QUEUED cash-outs, batches them, signs and stores one transaction per batch. Returns batches created. */
    public int createBatches() {
        Credentials settler = chain.settler();
        Web3j web3j = chain.web3j();
        Eip1559Fees fees = marketFees(web3j);
        BatchPlanner planner = new BatchPlanner(cfg.maxPayoutsPerBatch(), new GasModel(cfg.baseGas(), cfg.gasPerPayout(), cfg.maxGasPerTx()));
        return QuarkusTransaction.requiringNew().call(() -> {
            List<PayoutCandidate> queued = Db.query(ds,
                    "SELECT id, integrator_id, account_id, destination, gross_base_units, net_base_units, fee_base_units "
                            + "FROM cashouts WHERE status = 'QUEUED' ORDER BY created_at, id LIMIT ? FOR UPDATE SKIP LOCKED",
                    rs -> new PayoutCandidate(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getLong(5), rs.getLong(6), rs.getLong(7)),
                    cfg.maxCashoutsPerTick());
            if (queued.isEmpty()) return 0;
            List<PayoutCandidate> fundable = new ArrayList<>();
            for (PayoutCandidate c : queued) {
                if (funding.funderOf(c.integratorId()).isPresent()) fundable.add(c);
                else LOG.warnf("no funder configured for integrator %s; cash-out %s stays QUEUED", c.integratorId(), c.cashoutId());
            }
            int created = 0;
            for (BatchPlanner.PlannedBatch plan : planner.plan(fundable, cfg.maxBatchesPerTick())) {
                BatchRow batch = insertBatch(plan, funding.funderOf(plan.integratorId()).orElseThrow());
                signAndStore(batch, settler, fees, null);
                created++;
            }
            return created;
        });
    }

    private BatchRow insertBatch(BatchPlanner.PlannedBatch plan, String funder) {
        int n = plan.payouts().size();
        long chainBatchId = Db.query(ds, "SELECT nextval('batch_id_seq')", rs -> rs.getLong(1)).get(0);
        List<Long> ids = Db.query(ds, "SELECT nextval('payout_id_seq') FROM generate_series(1, ?)", rs -> rs.getLong(1), n);
        long[] payoutIds = ids.stream().mapToLong(Long::longValue).toArray();
        String[] cashoutIds = plan.payouts().stream().map(PayoutCandidate::cashoutId).toArray(String[]::new);
        String batchId = "bat_" + UUID.randomUUID().toString().replace("-", "");
        Db.update(ds, "INSERT INTO settlement_batches (id, chain_batch_id, integrator_id, funder_address, payout_ids, payout_count, "
                        + "total_net_base_units, total_fee_base_units, estimated_gas, status) VALUES (?,?,?,?,?,?,?,?,?, 'BATCHED')",
                batchId, chainBatchId, plan.integratorId(), funder, payoutIds, n, plan.totalNetBaseUnits(), plan.totalFeeBaseUnits(),
                plan.estimatedGas());
        int moved = Db.update(ds, "UPDATE cashouts c SET status = 'BATCHED', batch_id = ?, payout_id = v.pid, updated_at = now() "
                        + "FROM unnest(?::text[], ?::bigint[]) AS v(id, pid) WHERE c.id = v.id AND c.status = 'QUEUED'",
                batchId, cashoutIds, payoutIds);
        if (moved != n) throw new IllegalStateException("batch " + batchId + ": moved " + moved + " of " + n + " cash-outs");
        // The batch's events go in together, under one lock of the audit head.
        List<AuditLog.Entry> events = new ArrayList<>(n + 1);
        events.add(new AuditLog.Entry("batch.created", batchId, Map.of("chainBatchId", chainBatchId,
                "integratorId", plan.integratorId(), "funder", funder, "payoutCount", n,
                "totalNet", Long.toString(plan.totalNetBaseUnits()), "totalFee", Long.toString(plan.totalFeeBaseUnits()),
                "estimatedGas", plan.estimatedGas())));
        List<SettleBatchCall.Payout> payouts = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            PayoutCandidate c = plan.payouts().get(i);
            payouts.add(new SettleBatchCall.Payout(payoutIds[i], c.payee(), c.netBaseUnits(), c.feeBaseUnits()));
            events.add(new AuditLog.Entry("cashout.batched", c.cashoutId(), Map.of("from", "QUEUED", "to", "BATCHED",
                    "batchId", batchId, "chainBatchId", chainBatchId, "payoutId", payoutIds[i])));
        }
        audit.appendAll(ACTOR, events);
        return new BatchRow(batchId, chainBatchId, funder, payouts, plan.estimatedGas());
    }

    /** Signs the settleBatch call with the lane's next nonce (or {@code replacedNonce}) and stores it, unbroadcast. */
    private void signAndStore(BatchRow batch, Credentials settler, Eip1559Fees fees, Long replaceOf) {
        long nonce;
        if (replaceOf == null) nonce = takeNonce(settler.getAddress());
        else nonce = Db.query(ds, "SELECT nonce FROM settlement_txs WHERE id = ?", rs -> rs.getLong(1), replaceOf).get(0);
        String data = SettleBatchCall.encode(batch.chainBatchId(), batch.funder(), batch.payouts());
        long gasLimit = gasLimit(settler.getAddress(), data, batch.gasLimit());
        RawTransaction raw = RawTransaction.createTransaction(chain.chainId(), BigInteger.valueOf(nonce),
                BigInteger.valueOf(gasLimit), chain.escrowAddress(), BigInteger.ZERO, data,
                fees.maxPriorityFeePerGasWei(), fees.maxFeePerGasWei());
        byte[] signed = TransactionEncoder.signMessage(raw, settler);
        String rawHex = Numeric.toHexString(signed);
        String txHash = Hash.sha3(rawHex);
        Db.update(ds, "INSERT INTO settlement_txs (batch_id, from_address, chain_id, nonce, gas_limit, max_fee_per_gas_wei, "
                        + "max_priority_fee_per_gas_wei, raw_tx, tx_hash, status, replaces_tx_id) VALUES (?,?,?,?,?,?,?,?,?, 'SIGNED', ?)",
                batch.id(), settler.getAddress().toLowerCase(), chain.chainId(), nonce, gasLimit, fees.maxFeePerGasWei(),
                fees.maxPriorityFeePerGasWei(), rawHex, txHash, replaceOf);
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

    /** Next nonce of the settler's lane (row-locked); initialised from the chain's pending count. */
    private long takeNonce(String address) {
        String addr = address.toLowerCase();
        long chainId = chain.chainId();
        List<Long> stored = Db.query(ds, "SELECT next_nonce FROM nonce_lanes WHERE address = ? AND chain_id = ? FOR UPDATE",
                rs -> rs.getLong(1), addr, chainId);
        long nonce;
        if (stored.isEmpty()) {
            nonce = NonceLane.reconcile(null, pendingCount(addr));
            Db.update(ds, "INSERT INTO nonce_lanes (address, chain_id, next_nonce) VALUES (?,?,?)", addr, chainId, nonce + 1);
        } else {
            nonce = stored.get(0);
            Db.update(ds, "UPDATE nonce_lanes SET next_nonce = ?, updated_at = now() WHERE address = ? AND chain_id = ?", nonce + 1, addr, chainId);
        }
        return nonce;
    }

    private long pendingCount(String address) {
        try {
            return chain.web3j().ethGetTransactionCount(address, DefaultBlockParameterName.PENDING).send().getTransactionCount().longValueExact();
        } catch (IOException e) {
            throw new IllegalStateException("eth_getTransactionCount failed: " + e.getMessage(), e);
        }
    }

    Eip1559Fees marketFees(Web3j web3j) {
        try {
            EthBlock.Block latest = web3j.ethGetBlockByNumber(DefaultBlockParameterName.LATEST, false).send().getBlock();
            BigInteger base = latest.getBaseFeePerGas() == null ? BigInteger.ZERO : latest.getBaseFeePerGas();
            return Eip1559Fees.forBaseFee(base, cfg.priorityFeeWei(), cfg.baseFeeMultiplier(), cfg.maxFeeCeilingWei());
        } catch (IOException e) {
            throw new IllegalStateException("eth_getBlockByNumber failed: " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- broadcasting

    record StoredTx(long id, String batchId, String rawTx, String txHash, Long replacesTxId, int attempts) {}

    /** Broadcasts every stored-but-unbroadcast transaction (also after a crash). Returns how many were accepted. */
    public int broadcastStored() {
        List<StoredTx> pending = QuarkusTransaction.requiringNew().call(() -> Db.query(ds,
                "SELECT id, batch_id, raw_tx, tx_hash, replaces_tx_id, broadcast_attempts FROM settlement_txs "
                        + "WHERE status = 'SIGNED' AND broadcast_attempts < ? ORDER BY nonce, id LIMIT 100",
                rs -> new StoredTx(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        (Long) rs.getObject(5), rs.getInt(6)), cfg.maxBroadcastAttempts()));
        int accepted = 0;
        for (StoredTx tx : pending) {
            String error = null;
            String nodeHash = null;
            try {
                EthSendTransaction r = chain.web3j().ethSendRawTransaction(tx.rawTx()).send();
                if (r.hasError()) error = r.getError().getMessage();
                else nodeHash = r.getTransactionHash();
            } catch (IOException e) {
                error = "io: " + e.getMessage();
            }
            BroadcastResult result = BroadcastResult.classify(error);
            if (result == BroadcastResult.NONCE_USED && receipt(tx.txHash()).isPresent()) result = BroadcastResult.ACCEPTED;
            if (nodeHash != null && !nodeHash.equalsIgnoreCase(tx.txHash())) {
                LOG.errorf("node returned hash %s for stored tx %s", nodeHash, tx.txHash());
            }
            if (result == BroadcastResult.ACCEPTED) {
                long head = headBlock();
                QuarkusTransaction.requiringNew().run(() -> markSubmitted(tx, head));
                accepted++;
            } else {
                String err = error;
                LOG.warnf("broadcast of %s (batch %s) refused: %s", tx.txHash(), tx.batchId(), err);
                QuarkusTransaction.requiringNew().run(() -> Db.update(ds,
                        "UPDATE settlement_txs SET broadcast_attempts = broadcast_attempts + 1, last_error = ?, updated_at = now() WHERE id = ?",
                        err, tx.id()));
            }
        }
        return accepted;
    }

    private void markSubmitted(StoredTx tx, long headBlock) {
        List<String> status = Db.query(ds, "SELECT status FROM settlement_batches WHERE id = ? FOR UPDATE", rs -> rs.getString(1), tx.batchId());
        Db.update(ds, "UPDATE settlement_txs SET status = 'BROADCAST', broadcast_attempts = broadcast_attempts + 1, "
                + "broadcast_block = ?, broadcast_at = now(), last_error = NULL, updated_at = now() WHERE id = ? AND status = 'SIGNED'", headBlock, tx.id());
        if (tx.replacesTxId() != null) {
            Db.update(ds, "UPDATE settlement_txs SET status = 'REPLACED', updated_at = now() WHERE id = ? AND status = 'BROADCAST'", tx.replacesTxId());
        }
        String bs = status.isEmpty() ? "?" : status.get(0);
        if (!bs.equals("BATCHED") && !bs.equals("SUBMITTED")) return; // settled or failed meanwhile
        Db.update(ds, "UPDATE settlement_batches SET status = 'SUBMITTED', tx_hash = ?, submitted_block = ?, updated_at = now() WHERE id = ?",
                tx.txHash(), headBlock, tx.batchId());
        String from = bs.equals("BATCHED") ? "BATCHED" : "SUBMITTED";
        List<String> moved = Db.query(ds, "UPDATE cashouts SET status = 'SUBMITTED', tx_hash = ?, updated_at = now() "
                + "WHERE batch_id = ? AND status = ? RETURNING id", rs -> rs.getString(1), tx.txHash(), tx.batchId(), from);
        List<AuditLog.Entry> events = new ArrayList<>(moved.size() + 1);
        events.add(new AuditLog.Entry("batch.submitted", tx.batchId(), Map.of("txHash", tx.txHash(), "block", headBlock,
                "replacement", tx.replacesTxId() != null)));
        for (String id : moved) {
            events.add(new AuditLog.Entry("cashout.submitted", id, Map.of("from", from, "to", "SUBMITTED",
                    "txHash", tx.txHash(), "batchId", tx.batchId())));
        }
        audit.appendAll(ACTOR, events);
    }

    // ---------------------------------------------------------------- receipts, failures, replacements

    record SubmittedBatch(String id, long chainBatchId, String funder, long submittedBlock, long estimatedGas) {}

    /** Looks at batches pending for a while (not every transaction every tick): revert → FAILED; stuck → replacement. */
    public int checkSubmitted() {
        long head = headBlock();
        List<SubmittedBatch> old = QuarkusTransaction.requiringNew().call(() -> Db.query(ds,
                "SELECT id, chain_batch_id, funder_address, submitted_block, estimated_gas FROM settlement_batches "
                        + "WHERE status = 'SUBMITTED' AND submitted_block <= ? ORDER BY submitted_block LIMIT ?",
                rs -> new SubmittedBatch(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getLong(4), rs.getLong(5)),
                head - cfg.receiptCheckAfterBlocks(), cfg.maxReceiptChecksPerTick()));
        for (SubmittedBatch b : old) {
            List<String[]> txs = QuarkusTransaction.requiringNew().call(() -> Db.query(ds,
                    "SELECT id, tx_hash, broadcast_block FROM settlement_txs WHERE batch_id = ? AND status IN ('BROADCAST','REPLACED','MINED') ORDER BY id DESC",
                    rs -> new String[] {rs.getString(1), rs.getString(2), rs.getString(3)}, b.id()));
            Optional<TransactionReceipt> mined = Optional.empty();
            for (String[] t : txs) {
                mined = receipt(t[1]);
                if (mined.isPresent()) break;
            }
            if (mined.isPresent()) {
                TransactionReceipt r = mined.get();
                if (!r.isStatusOK()) {
                    QuarkusTransaction.requiringNew().run(() -> failBatch(b.id(), r.getTransactionHash(), r.getBlockNumber().longValue(), r.getGasUsed()));
                } else {
                    QuarkusTransaction.requiringNew().run(() -> Db.update(ds,
                            "UPDATE settlement_txs SET status = 'MINED', updated_at = now() WHERE tx_hash = ?", r.getTransactionHash()));
                }
            } else if (!txs.isEmpty()) {
                long lastBroadcast = txs.get(0)[2] == null ? b.submittedBlock() : Long.parseLong(txs.get(0)[2]);
                boolean replacementWaiting = QuarkusTransaction.requiringNew().call(() -> !Db.query(ds,
                        "SELECT 1 FROM settlement_txs WHERE batch_id = ? AND status = 'SIGNED'", rs -> 1, b.id()).isEmpty());
                if (!replacementWaiting && head - lastBroadcast >= cfg.replaceAfterBlocks() && txs.size() <= cfg.maxReplacements()) {
                    replace(b, Long.parseLong(txs.get(0)[0]));
                }
            }
        }
        return old.size();
    }

    private void failBatch(String batchId, String txHash, long block, BigInteger gasUsed) {
        List<String> st = Db.query(ds, "SELECT status FROM settlement_batches WHERE id = ? FOR UPDATE", rs -> rs.getString(1), batchId);
        if (st.isEmpty() || !st.get(0).equals("SUBMITTED")) return;
        Db.update(ds, "UPDATE settlement_batches SET status = 'FAILED', updated_at = now() WHERE id = ?", batchId);
        Db.update(ds, "UPDATE settlement_txs SET status = 'REVERTED', updated_at = now() WHERE tx_hash = ?", txHash);
        record Failed(String id, String accountId, long gross) {}
        List<Failed> failed = Db.query(ds, "UPDATE cashouts SET status = 'FAILED', reason = 'settlement_reverted', tx_hash = ?, updated_at = now() "
                        + "WHERE batch_id = ? AND status = 'SUBMITTED' RETURNING id, account_id, gross_base_units",
                rs -> new Failed(rs.getString(1), rs.getString(2), rs.getLong(3)), txHash, batchId);
        audit.append(ACTOR, "batch.failed", batchId, Map.of("txHash", txHash, "block", block, "reason", "reverted"));
        for (Failed f : failed) {
            ledger.release(f.accountId(), f.gross(), f.id());
            audit.append(ACTOR, "cashout.failed", f.id(), Map.of("from", "SUBMITTED", "to", "FAILED", "reason", "settlement_reverted",
                    "txHash", txHash, "released", Long.toString(f.gross())));
        }
        LOG.warnf("batch %s reverted in %s (gas used %s); %d cash-outs FAILED and released", batchId, txHash, gasUsed, failed.size());
    }

    private void replace(SubmittedBatch b, long lastTxId) {
        Eip1559Fees market = marketFees(chain.web3j());
        QuarkusTransaction.requiringNew().run(() -> {
            record Prev(BigInteger tip, BigInteger max) {}
            Prev prev = Db.query(ds, "SELECT max_priority_fee_per_gas_wei, max_fee_per_gas_wei FROM settlement_txs WHERE id = ?",
                    rs -> new Prev(rs.getBigDecimal(1).toBigIntegerExact(), rs.getBigDecimal(2).toBigIntegerExact()), lastTxId).get(0);
            Eip1559Fees bumped = new Eip1559Fees(prev.tip(), prev.max()).bumped(cfg.feeBumpPercent(), market);
            List<SettleBatchCall.Payout> payouts = Db.query(ds,
                    "SELECT payout_id, destination, net_base_units, fee_base_units FROM cashouts WHERE batch_id = ? ORDER BY payout_id",
                    rs -> new SettleBatchCall.Payout(rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getLong(4)), b.id());
            signAndStore(new BatchRow(b.id(), b.chainBatchId(), b.funder(), payouts, b.estimatedGas()), chain.settler(), bumped, lastTxId);
            audit.append(ACTOR, "batch.replacement_signed", b.id(), Map.of("maxFeePerGasWei", bumped.maxFeePerGasWei().toString(),
                    "maxPriorityFeePerGasWei", bumped.maxPriorityFeePerGasWei().toString()));
        });
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
