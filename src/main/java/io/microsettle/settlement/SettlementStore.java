package io.microsettle.settlement;

import io.agroal.api.AgroalDataSource;
import io.microsettle.audit.AuditLog;
import io.microsettle.cashout.CashoutStore;
import io.microsettle.infra.Db;
import io.microsettle.infra.Leases;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The one writer of the settlement tables (settlement_batches, settlement_txs, nonce_lanes).
 * Every method runs in the caller's short transaction and makes no network call; within it,
 * cash-outs are locked before batches, batches before transactions, transactions before the
 * nonce lane (the documented lock order).
 */
@ApplicationScoped
public class SettlementStore {
    static final String ACTOR = "settlement";

    @Inject
    AgroalDataSource ds;
    @Inject
    CashoutStore cashouts;
    @Inject
    AuditLog audit;
    @Inject
    Leases leases;

    /** A batch to sign: its on-chain id, funder, key and nonce, and its payouts in payout-id order. */
    public record Batch(String id, long chainBatchId, String funder, String fromAddress, long nonce,
                        List<SettleBatchCall.Payout> payouts, long estimatedGas) {}

    /** A stored transaction. */
    public record StoredTx(long id, String batchId, String fromAddress, long nonce, String rawTx, String txHash, Long replacesTxId,
                           int attempts, BigInteger maxPriorityFeePerGasWei, BigInteger maxFeePerGasWei, Long broadcastBlock) {}

    /** A batch waiting for its receipt. */
    public record SubmittedBatch(String id, long chainBatchId, String funder, String fromAddress, long nonce, long submittedBlock,
                                 long estimatedGas) {}

    /**
     * Creates a batch of claimed cash-outs (QUEUED → BATCHED through the cash-out store), gives it its
     * payout ids and the next nonce of {@code fromAddress}'s lane ({@code chainPendingCount}, read
     * before this transaction, moves the lane forward if the key was used elsewhere).
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public Batch create(Leases.Lease lease, BatchPlanner.PlannedBatch plan, String funder, String fromAddress, long chainId,
                        long chainPendingCount) {
        leases.check(lease);
        int n = plan.payouts().size();
        long chainBatchId = Db.scalar(ds, "SELECT nextval('batch_id_seq')");
        long[] payoutIds = Db.query(ds, "SELECT nextval('payout_id_seq') FROM generate_series(1, ?)", rs -> rs.getLong(1), n)
                .stream().mapToLong(Long::longValue).toArray();
        String[] cashoutIds = plan.payouts().stream().map(PayoutCandidate::cashoutId).toArray(String[]::new);
        String batchId = "bat_" + UUID.randomUUID().toString().replace("-", "");
        cashouts.batch(batchId, chainBatchId, cashoutIds, payoutIds, ACTOR);
        long nonce = takeNonce(fromAddress, chainId, chainPendingCount);
        Db.update(ds, "INSERT INTO settlement_batches (id, chain_batch_id, integrator_id, funder_address, payout_ids, payout_count, "
                        + "total_net_base_units, total_fee_base_units, estimated_gas, status, from_address, nonce) "
                        + "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                batchId, chainBatchId, plan.integratorId(), funder, payoutIds, n, plan.totalNetBaseUnits(), plan.totalFeeBaseUnits(),
                plan.estimatedGas(), BatchStatus.BATCHED, fromAddress, nonce);
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("chainBatchId", chainBatchId);
        payload.put("integratorId", plan.integratorId());
        payload.put("funder", funder);
        payload.put("payoutCount", n);
        payload.put("totalNet", Long.toString(plan.totalNetBaseUnits()));
        payload.put("totalFee", Long.toString(plan.totalFeeBaseUnits()));
        payload.put("estimatedGas", plan.estimatedGas());
        payload.put("from", fromAddress);
        payload.put("nonce", nonce);
        audit.append(ACTOR, "batch.created", batchId, payload);
        List<SettleBatchCall.Payout> payouts = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            PayoutCandidate c = plan.payouts().get(i);
            payouts.add(new SettleBatchCall.Payout(payoutIds[i], c.payee(), c.netBaseUnits(), c.feeBaseUnits()));
        }
        return new Batch(batchId, chainBatchId, funder, fromAddress, nonce, payouts, plan.estimatedGas());
    }

    /** The next nonce of a key's lane (row-locked, last in the lock order); initialised from the chain's pending count. */
    private long takeNonce(String fromAddress, long chainId, long chainPendingCount) {
        String addr = fromAddress.toLowerCase();
        Optional<Long> stored = Db.one(ds, "SELECT next_nonce FROM nonce_lanes WHERE address = ? AND chain_id = ? FOR UPDATE",
                rs -> rs.getLong(1), addr, chainId);
        long nonce = NonceLane.reconcile(stored.orElse(null), chainPendingCount);
        Db.update(ds, "INSERT INTO nonce_lanes (address, chain_id, next_nonce) VALUES (?, ?, ?) ON CONFLICT (address, chain_id) "
                + "DO UPDATE SET next_nonce = EXCLUDED.next_nonce, updated_at = now()", addr, chainId, nonce + 1);
        return nonce;
    }

    /** Batches claimed but not signed yet (a crash between the claim and the signature leaves them here), oldest first. */
    @Transactional
    public List<Batch> unsigned(int limit) {
        List<Batch> heads = Db.query(ds, "SELECT b.id, b.chain_batch_id, b.funder_address, b.from_address, b.nonce, b.estimated_gas "
                        + "FROM settlement_batches b WHERE b.status = ? AND b.nonce IS NOT NULL "
                        + "AND NOT EXISTS (SELECT 1 FROM settlement_txs t WHERE t.batch_id = b.id) ORDER BY b.created_at LIMIT ?",
                rs -> new Batch(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getLong(5), List.of(), rs.getLong(6)),
                BatchStatus.BATCHED, limit);
        List<Batch> out = new ArrayList<>(heads.size());
        for (Batch b : heads) {
            out.add(new Batch(b.id(), b.chainBatchId(), b.funder(), b.fromAddress(), b.nonce(), payouts(b.id()), b.estimatedGas()));
        }
        return out;
    }

    /** A batch's payouts in payout-id order, as signed. */
    @Transactional
    public List<SettleBatchCall.Payout> payouts(String batchId) {
        return Db.query(ds, "SELECT payout_id, destination, net_base_units, fee_base_units FROM cashouts WHERE batch_id = ? ORDER BY payout_id",
                rs -> new SettleBatchCall.Payout(rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getLong(4)), batchId);
    }

    /** Stores a signed transaction, unbroadcast (crash safety: it is broadcast, again if need be, from here). */
    @Transactional(Transactional.TxType.MANDATORY)
    public void storeSigned(Leases.Lease lease, String batchId, String fromAddress, long chainId, long nonce, long gasLimit,
                            Eip1559Fees fees, String rawTx, String txHash, Long replacesTxId) {
        leases.check(lease);
        Db.update(ds, "INSERT INTO settlement_txs (batch_id, from_address, chain_id, nonce, gas_limit, max_fee_per_gas_wei, "
                        + "max_priority_fee_per_gas_wei, raw_tx, tx_hash, status, replaces_tx_id, fence) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                batchId, fromAddress.toLowerCase(), chainId, nonce, gasLimit, fees.maxFeePerGasWei(), fees.maxPriorityFeePerGasWei(),
                rawTx, txHash, TxStatus.SIGNED, replacesTxId, lease.fence());
    }

    @Transactional
    public List<StoredTx> signed(int maxAttempts, int limit) {
        return Db.query(ds, "SELECT " + TX_COLUMNS + " FROM settlement_txs WHERE status = ? AND broadcast_attempts < ? "
                + "ORDER BY nonce, id LIMIT ?", SettlementStore::storedTx, TxStatus.SIGNED, maxAttempts, limit);
    }

    static final String TX_COLUMNS = "id, batch_id, from_address, nonce, raw_tx, tx_hash, replaces_tx_id, broadcast_attempts, "
            + "max_priority_fee_per_gas_wei, max_fee_per_gas_wei, broadcast_block";

    static StoredTx storedTx(java.sql.ResultSet rs) throws java.sql.SQLException {
        return new StoredTx(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getString(5), rs.getString(6),
                (Long) rs.getObject(7), rs.getInt(8), rs.getBigDecimal(9).toBigIntegerExact(), rs.getBigDecimal(10).toBigIntegerExact(),
                (Long) rs.getObject(11));
    }

    /** A broadcast refused or unanswered: counted, with the node's words. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void broadcastFailed(Leases.Lease lease, long txId, String error) {
        leases.check(lease);
        Db.update(ds, "UPDATE settlement_txs SET broadcast_attempts = broadcast_attempts + 1, last_error = ?, updated_at = now() WHERE id = ?",
                error, txId);
    }

    /**
     * The node accepted {@code tx} at head {@code headBlock}: its cash-outs (still BATCHED or
     * SUBMITTED) are SUBMITTED with its hash, the batch too, the transaction it replaces REPLACED.
     * A batch settled or failed meanwhile is left as it is.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void submitted(Leases.Lease lease, StoredTx tx, long headBlock) {
        leases.check(lease);
        List<String> moved = cashouts.submit(tx.batchId(), tx.txHash(), ACTOR);
        int batch = Db.update(ds, "UPDATE settlement_batches SET status = ?, tx_hash = ?, submitted_block = ?, updated_at = now() "
                + "WHERE id = ? AND status IN (?, ?)", BatchStatus.SUBMITTED, tx.txHash(), headBlock, tx.batchId(), BatchStatus.BATCHED,
                BatchStatus.SUBMITTED);
        Db.update(ds, "UPDATE settlement_txs SET status = ?, broadcast_attempts = broadcast_attempts + 1, broadcast_block = ?, "
                + "broadcast_at = now(), last_error = NULL, updated_at = now() WHERE id = ? AND status = ?",
                TxStatus.BROADCAST, headBlock, tx.id(), TxStatus.SIGNED);
        if (tx.replacesTxId() != null) {
            Db.update(ds, "UPDATE settlement_txs SET status = ?, updated_at = now() WHERE id = ? AND status = ?",
                    TxStatus.REPLACED, tx.replacesTxId(), TxStatus.BROADCAST);
        }
        if (batch == 1 && !moved.isEmpty()) {
            audit.append(ACTOR, "batch.submitted", tx.batchId(), Map.of("txHash", tx.txHash(), "block", headBlock,
                    "replacement", tx.replacesTxId() != null, "cashouts", moved.size()));
        }
    }

    @Transactional
    public List<SubmittedBatch> submittedBefore(long block, int limit) {
        return Db.query(ds, "SELECT id, chain_batch_id, funder_address, coalesce(from_address, ''), coalesce(nonce, -1), submitted_block, "
                        + "estimated_gas FROM settlement_batches WHERE status = ? AND submitted_block <= ? ORDER BY submitted_block LIMIT ?",
                rs -> new SubmittedBatch(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getLong(5), rs.getLong(6),
                        rs.getLong(7)), BatchStatus.SUBMITTED, block, limit);
    }

    /** The batch's transactions that may carry its receipt, newest first. */
    @Transactional
    public List<StoredTx> sentTxs(String batchId) {
        return Db.query(ds, "SELECT " + TX_COLUMNS + " FROM settlement_txs WHERE batch_id = ? AND status IN (?, ?, ?) ORDER BY id DESC",
                SettlementStore::storedTx, batchId, TxStatus.BROADCAST, TxStatus.REPLACED, TxStatus.MINED);
    }

    @Transactional
    public boolean replacementWaiting(String batchId) {
        return Db.one(ds, "SELECT 1 FROM settlement_txs WHERE batch_id = ? AND status = ?", rs -> 1, batchId, TxStatus.SIGNED).isPresent();
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void mined(Leases.Lease lease, String txHash) {
        leases.check(lease);
        Db.update(ds, "UPDATE settlement_txs SET status = ?, updated_at = now() WHERE tx_hash = ? AND status <> ?",
                TxStatus.MINED, txHash, TxStatus.MINED);
    }

    /** The batch's transaction reverted (deep enough): its cash-outs FAIL and their holds are released, then the batch. */
    @Transactional(Transactional.TxType.MANDATORY)
    public int failed(Leases.Lease lease, String batchId, String txHash, long block, BigInteger gasUsed) {
        leases.check(lease);
        List<CashoutStore.Locked> failed = cashouts.fail(batchId, txHash, "settlement_reverted", ACTOR);
        int n = Db.update(ds, "UPDATE settlement_batches SET status = ?, updated_at = now() WHERE id = ? AND status = ?",
                BatchStatus.FAILED, batchId, BatchStatus.SUBMITTED);
        Db.update(ds, "UPDATE settlement_txs SET status = ?, updated_at = now() WHERE tx_hash = ?", TxStatus.REVERTED, txHash);
        if (n == 1) {
            audit.append(ACTOR, "batch.failed", batchId, Map.of("txHash", txHash, "block", block, "reason", "reverted",
                    "gasUsed", gasUsed == null ? "" : gasUsed.toString(), "cashouts", failed.size()));
        }
        return failed.size();
    }

    /** The chain settled a batch (its BatchSettled log, deep enough): returns the local batch ids moved to SETTLED. */
    @Transactional(Transactional.TxType.MANDATORY)
    public List<String> settled(long chainBatchId, long block, String txHash, String actor, Map<String, Object> payload) {
        List<String> ids = Db.query(ds, "UPDATE settlement_batches SET status = ?, settled_block = ?, tx_hash = ?, updated_at = now() "
                        + "WHERE chain_batch_id = ? AND status IN (?, ?) RETURNING id", rs -> rs.getString(1),
                BatchStatus.SETTLED, block, txHash, chainBatchId, BatchStatus.BATCHED, BatchStatus.SUBMITTED);
        List<AuditLog.Entry> events = new ArrayList<>();
        for (String id : ids) events.add(new AuditLog.Entry("batch.settled", id, payload));
        audit.appendAll(actor, events);
        return ids;
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public boolean exists(long chainBatchId) {
        return Db.one(ds, "SELECT 1 FROM settlement_batches WHERE chain_batch_id = ?", rs -> 1, chainBatchId).isPresent();
    }

    /** A reorg above {@code forkBlock}: batches settled there wait for their receipt again. */
    @Transactional(Transactional.TxType.MANDATORY)
    public int unsettleAbove(long forkBlock) {
        return Db.update(ds, "UPDATE settlement_batches SET status = ?, settled_block = NULL, updated_at = now() "
                + "WHERE status = ? AND settled_block > ?", BatchStatus.SUBMITTED, BatchStatus.SETTLED, forkBlock);
    }

    /** The most recent fees a batch's transactions were sent with. */
    @Transactional
    public Optional<StoredTx> tx(long txId) {
        return Db.one(ds, "SELECT " + TX_COLUMNS + " FROM settlement_txs WHERE id = ?", SettlementStore::storedTx, txId);
    }
}
