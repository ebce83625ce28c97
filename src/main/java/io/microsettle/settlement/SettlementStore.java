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
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The one writer of the settlement tables (settlement_batches, settlement_txs, nonce_lanes,
 * settlement_control, settler_keys). Every method runs in the caller's short transaction and makes
 * no network call; a job's write checks its lease first, then locks cash-outs before batches,
 * batches before transactions, transactions before the nonce lane (the documented lock order).
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
    @Inject
    SettlementMetrics metrics;

    /** A batch to sign: its on-chain id, funder, key and nonce, and its payouts in payout-id order. */
    public record Batch(String id, long chainBatchId, String funder, String fromAddress, long nonce,
                        List<SettleBatchCall.Payout> payouts, long estimatedGas) {}

    /** A stored transaction. */
    public record StoredTx(long id, String batchId, String fromAddress, long nonce, String rawTx, String txHash, Long replacesTxId,
                           int attempts, BigInteger maxPriorityFeePerGasWei, BigInteger maxFeePerGasWei, Long broadcastBlock,
                           TxKind kind, TxStatus status, Instant failingSince, Instant stalledSince) {
        public Eip1559Fees fees() {
            return new Eip1559Fees(maxPriorityFeePerGasWei, maxFeePerGasWei);
        }
    }

    /** A batch waiting for its receipt. */
    public record SubmittedBatch(String id, long chainBatchId, String funder, String fromAddress, long nonce, long submittedBlock,
                                 long estimatedGas) {}

    /** What a receipt said about a mined transaction. */
    public record Mined(String txHash, long block, long gasUsed, BigInteger effectiveGasPriceWei) {}

    /** The admin pause. */
    public record Control(boolean paused, String changedBy, Instant changedAt, String reason, String chainTx) {}

    /** A settler key and its lane's state. */
    public record SettlerKey(String address, String keystore, SettlerStatus status, String addedBy, Instant addedAt,
                             Instant retiringAt, Instant retiredAt) {}

    static final String TX_COLUMNS = "id, batch_id, from_address, nonce, raw_tx, tx_hash, replaces_tx_id, broadcast_attempts, "
            + "max_priority_fee_per_gas_wei, max_fee_per_gas_wei, broadcast_block, kind, status, failing_since, stalled_since";
    /** How many columns {@link #TX_COLUMNS} names (a query may select more after them). */
    static final int TX_COLUMN_COUNT = TX_COLUMNS.split(",").length;

    static StoredTx storedTx(ResultSet rs) throws SQLException {
        return new StoredTx(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getString(5), rs.getString(6),
                (Long) rs.getObject(7), rs.getInt(8), rs.getBigDecimal(9).toBigIntegerExact(), rs.getBigDecimal(10).toBigIntegerExact(),
                (Long) rs.getObject(11), TxKind.valueOf(rs.getString(12)), TxStatus.valueOf(rs.getString(13)), Db.instant(rs, 14),
                Db.instant(rs, 15));
    }

    // ---------------------------------------------------------------- batches

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
                plan.estimatedGas(), BatchStatus.BATCHED, fromAddress.toLowerCase(), nonce);
        metrics.batchCreated(n);
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

    /** A lane's batches claimed but not signed yet (a crash between the claim and the signature leaves them here), oldest first. */
    @Transactional
    public List<Batch> unsigned(String fromAddress, int limit) {
        List<Batch> heads = Db.query(ds, "SELECT b.id, b.chain_batch_id, b.funder_address, b.from_address, b.nonce, b.estimated_gas "
                        + "FROM settlement_batches b WHERE b.status = ? AND b.from_address = ? AND b.nonce IS NOT NULL "
                        + "AND NOT EXISTS (SELECT 1 FROM settlement_txs t WHERE t.batch_id = b.id) ORDER BY b.nonce LIMIT ?",
                rs -> new Batch(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getLong(5), List.of(), rs.getLong(6)),
                BatchStatus.BATCHED, fromAddress.toLowerCase(), limit);
        Map<String, List<SettleBatchCall.Payout>> payouts = new java.util.HashMap<>();
        if (!heads.isEmpty()) {
            Db.query(ds, "SELECT batch_id, payout_id, destination, net_base_units, fee_base_units FROM cashouts WHERE batch_id = ANY(?) "
                            + "ORDER BY batch_id, payout_id", rs -> payouts.computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
                            .add(new SettleBatchCall.Payout(rs.getLong(2), rs.getString(3), rs.getLong(4), rs.getLong(5))),
                    (Object) heads.stream().map(Batch::id).toArray(String[]::new));
        }
        List<Batch> out = new ArrayList<>(heads.size());
        for (Batch b : heads) {
            out.add(new Batch(b.id(), b.chainBatchId(), b.funder(), b.fromAddress(), b.nonce(), payouts.getOrDefault(b.id(), List.of()),
                    b.estimatedGas()));
        }
        return out;
    }

    /** A batch as it is signed (again, for a replacement). */
    @Transactional
    public Optional<Batch> batch(String batchId) {
        return Db.one(ds, "SELECT id, chain_batch_id, funder_address, from_address, nonce, estimated_gas FROM settlement_batches WHERE id = ?",
                rs -> new Batch(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getLong(5), List.of(), rs.getLong(6)),
                batchId).map(b -> new Batch(b.id(), b.chainBatchId(), b.funder(), b.fromAddress(), b.nonce(), payouts(b.id()), b.estimatedGas()));
    }

    /** A batch's payouts in payout-id order, as signed. */
    @Transactional
    public List<SettleBatchCall.Payout> payouts(String batchId) {
        return Db.query(ds, "SELECT payout_id, destination, net_base_units, fee_base_units FROM cashouts WHERE batch_id = ? ORDER BY payout_id",
                rs -> new SettleBatchCall.Payout(rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getLong(4)), batchId);
    }

    /** The batches' cash-outs' gross amounts in payout-id order (what the escrow's caps count), by batch id; one query. */
    @Transactional
    public Map<String, List<Long>> grossAmounts(List<String> batchIds) {
        Map<String, List<Long>> out = new java.util.HashMap<>();
        if (batchIds.isEmpty()) return out;
        Db.query(ds, "SELECT batch_id, gross_base_units FROM cashouts WHERE batch_id = ANY(?) ORDER BY batch_id, payout_id",
                rs -> out.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(rs.getLong(2)), (Object) batchIds.toArray(String[]::new));
        return out;
    }

    // ---------------------------------------------------------------- transactions

    /** Stores a signed transaction, unbroadcast (crash safety: it is broadcast, again if need be, from here). */
    @Transactional(Transactional.TxType.MANDATORY)
    public void storeSigned(Leases.Lease lease, TxKind kind, String batchId, String fromAddress, long chainId, long nonce, long gasLimit,
                            Eip1559Fees fees, String rawTx, String txHash, Long replacesTxId) {
        leases.check(lease);
        Db.update(ds, "INSERT INTO settlement_txs (batch_id, from_address, chain_id, nonce, gas_limit, max_fee_per_gas_wei, "
                        + "max_priority_fee_per_gas_wei, raw_tx, tx_hash, status, replaces_tx_id, fence, kind) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                batchId, fromAddress.toLowerCase(), chainId, nonce, gasLimit, fees.maxFeePerGasWei(), fees.maxPriorityFeePerGasWei(),
                rawTx, txHash, TxStatus.SIGNED, replacesTxId, lease.fence(), kind);
    }

    /** A lane's stored transactions due for a broadcast, lowest nonce first (never given up: a failure only postpones). */
    @Transactional
    public List<StoredTx> due(String fromAddress, int limit) {
        return Db.query(ds, "SELECT " + TX_COLUMNS + " FROM settlement_txs WHERE status = ? AND from_address = ? "
                        + "AND (next_broadcast_at IS NULL OR next_broadcast_at <= now()) ORDER BY nonce, id LIMIT ?",
                SettlementStore::storedTx, TxStatus.SIGNED, fromAddress.toLowerCase(), limit);
    }

    /** Every stored transaction of a lane not yet mined or given up, by nonce (for healing the lane). */
    @Transactional
    public List<StoredTx> open(String fromAddress, int limit) {
        return Db.query(ds, "SELECT " + TX_COLUMNS + " FROM settlement_txs WHERE status IN (?, ?) AND from_address = ? ORDER BY nonce, id LIMIT ?",
                SettlementStore::storedTx, TxStatus.SIGNED, TxStatus.BROADCAST, fromAddress.toLowerCase(), limit);
    }

    /** A lane's settleBatch transactions recorded as mined whose batch is not settled (nor failed) yet, by nonce. */
    @Transactional
    public List<MinedTx> minedUnsettled(String fromAddress, int limit) {
        return Db.query(ds, "SELECT " + TX_COLUMNS + ", mined_block FROM settlement_txs WHERE status = ? AND kind = ? AND from_address = ? "
                        + "AND batch_id IN (SELECT id FROM settlement_batches WHERE status = ? AND from_address = ?) ORDER BY nonce, id LIMIT ?",
                rs -> new MinedTx(storedTx(rs), rs.getLong(TX_COLUMN_COUNT + 1)), TxStatus.MINED, TxKind.SETTLE, fromAddress.toLowerCase(),
                BatchStatus.SUBMITTED, fromAddress.toLowerCase(), limit);
    }

    /** A transaction seen mined, and the block its receipt named. */
    public record MinedTx(StoredTx tx, long minedBlock) {}

    /**
     * A reorg dropped the block of a mined transaction: BROADCAST again as of {@code headBlock} (healing
     * re-sends it if the node forgot it, the receipt checks look for its new receipt); audited.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void unmined(Leases.Lease lease, StoredTx tx, long headBlock) {
        leases.check(lease);
        int n = Db.update(ds, "UPDATE settlement_txs SET status = ?, mined_block = NULL, gas_used = NULL, effective_gas_price_wei = NULL, "
                + "broadcast_block = ?, updated_at = now() WHERE id = ? AND status = ?", TxStatus.BROADCAST, headBlock, tx.id(), TxStatus.MINED);
        if (n == 1) {
            audit.append(ACTOR, "batch.reorged", tx.batchId(), Map.of("txHash", tx.txHash(), "nonce", tx.nonce(), "block", headBlock));
        }
    }

    /** Every transaction ever signed for a nonce of a lane (the original, replacements, a no-op). */
    @Transactional
    public List<StoredTx> atNonce(String fromAddress, long nonce) {
        return Db.query(ds, "SELECT " + TX_COLUMNS + " FROM settlement_txs WHERE from_address = ? AND nonce = ? ORDER BY id",
                SettlementStore::storedTx, fromAddress.toLowerCase(), nonce);
    }

    /**
     * A broadcast refused or unanswered: counted, tried again at {@code nextAttempt}. Returns true
     * when this makes the lane stalled for the first time ({@code stalled}): the alert is appended here.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean broadcastFailed(Leases.Lease lease, StoredTx tx, String error, Instant nextAttempt, boolean stalled) {
        leases.check(lease);
        Db.update(ds, "UPDATE settlement_txs SET broadcast_attempts = broadcast_attempts + 1, last_error = ?, next_broadcast_at = ?, "
                + "failing_since = coalesce(failing_since, now()), updated_at = now() WHERE id = ?", error, nextAttempt, tx.id());
        return stalled && markStalled(tx, "broadcast_failing", error);
    }

    /**
     * Raises the lane's alert once for this transaction: {@code settlement.stalled} (an audit event, a
     * webhook to operators' endpoints) and the mark the health check reads. False if already raised.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean markStalled(StoredTx tx, String reason, String detail) {
        int n = Db.update(ds, "UPDATE settlement_txs SET stalled_since = now(), stalled_reason = ?, stalled_detail = ?, updated_at = now() "
                + "WHERE id = ? AND stalled_since IS NULL", reason, detail == null ? "" : detail, tx.id());
        if (n == 0) return false;
        appendStalled(tx, reason, detail);
        return true;
    }

    /**
     * No no-op can fill a cancelled batch's nonce under the fee ceiling: the {@code cancelled} alert's detail says so
     * (what readiness shows), and {@code settlement.stalled} is raised with reason {@code fee_ceiling}, once per
     * dropped transaction. False if already raised.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean noOpAtCeiling(StoredTx dropped, String detail) {
        int n = Db.update(ds, "UPDATE settlement_txs SET stalled_detail = ? || ? || coalesce(stalled_detail, ''), updated_at = now() "
                + "WHERE id = ? AND stalled_reason = 'cancelled' AND stalled_detail NOT LIKE ?", FEE_CEILING_PREFIX, detail + "; ",
                dropped.id(), FEE_CEILING_PREFIX + "%");
        if (n == 0) return false;
        appendStalled(dropped, "fee_ceiling", detail);
        return true;
    }

    private static final String FEE_CEILING_PREFIX = "fee_ceiling: ";

    private void appendStalled(StoredTx tx, String reason, String detail) {
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("address", tx.fromAddress());
        payload.put("nonce", tx.nonce());
        payload.put("txHash", tx.txHash());
        payload.put("batchId", tx.batchId());
        payload.put("reason", reason);
        payload.put("detail", detail == null ? "" : detail);
        audit.append(ACTOR, "settlement.stalled", "settler:" + tx.fromAddress(), payload);
    }

    /** A replacement the node refused as underpriced: never sent again; the next bump starts above it. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void dropped(Leases.Lease lease, StoredTx tx, String error) {
        leases.check(lease);
        Db.update(ds, "UPDATE settlement_txs SET status = ?, last_error = ?, updated_at = now() WHERE id = ? AND status = ?",
                TxStatus.DROPPED, error, tx.id(), TxStatus.SIGNED);
    }

    /**
     * The node accepted {@code tx} at head {@code headBlock}: a settleBatch's cash-outs (still BATCHED
     * or SUBMITTED) are SUBMITTED with its hash, the batch too, the transaction it replaces REPLACED, the
     * lane's alert cleared. A batch settled, failed or cancelled meanwhile is left as it is.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void submitted(Leases.Lease lease, StoredTx tx, long headBlock) {
        leases.check(lease);
        List<String> moved = tx.kind() == TxKind.SETTLE ? cashouts.submit(tx.batchId(), tx.txHash(), ACTOR) : List.of();
        int batch = tx.kind() == TxKind.SETTLE ? Db.update(ds, "UPDATE settlement_batches SET status = ?, tx_hash = ?, submitted_block = ?, "
                + "updated_at = now() WHERE id = ? AND status IN (?, ?)", BatchStatus.SUBMITTED, tx.txHash(), headBlock, tx.batchId(),
                BatchStatus.BATCHED, BatchStatus.SUBMITTED) : 0;
        Db.update(ds, "UPDATE settlement_txs SET status = ?, broadcast_attempts = broadcast_attempts + 1, broadcast_block = ?, "
                + "broadcast_at = now(), last_error = NULL, next_broadcast_at = NULL, failing_since = NULL, stalled_since = NULL, "
                + "stalled_reason = NULL, stalled_detail = NULL, "
                + "updated_at = now() WHERE id = ? AND status = ?", TxStatus.BROADCAST, headBlock, tx.id(), TxStatus.SIGNED);
        Db.update(ds, "UPDATE settlement_txs SET status = ?, updated_at = now() WHERE from_address = ? AND nonce = ? AND id <> ? AND status = ?",
                TxStatus.REPLACED, tx.fromAddress(), tx.nonce(), tx.id(), TxStatus.BROADCAST);
        if (batch == 1 && !moved.isEmpty()) {
            audit.append(ACTOR, "batch.submitted", tx.batchId(), Map.of("txHash", tx.txHash(), "block", headBlock,
                    "replacement", tx.replacesTxId() != null, "cashouts", moved.size()));
        }
    }

    @Transactional
    public List<SubmittedBatch> submittedBefore(String fromAddress, long block, int limit) {
        return Db.query(ds, "SELECT id, chain_batch_id, funder_address, from_address, nonce, submitted_block, estimated_gas "
                        + "FROM settlement_batches WHERE status = ? AND from_address = ? AND submitted_block <= ? ORDER BY nonce LIMIT ?",
                rs -> new SubmittedBatch(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getLong(5), rs.getLong(6),
                        rs.getLong(7)), BatchStatus.SUBMITTED, fromAddress.toLowerCase(), block, limit);
    }

    /** The batch's transactions that may carry its receipt, newest first (a no-op of its nonce included). */
    @Transactional
    public List<StoredTx> sentTxs(String batchId) {
        return Db.query(ds, "SELECT " + TX_COLUMNS + " FROM settlement_txs WHERE batch_id = ? AND status IN (?, ?, ?, ?) ORDER BY id DESC",
                SettlementStore::storedTx, batchId, TxStatus.BROADCAST, TxStatus.REPLACED, TxStatus.MINED, TxStatus.REVERTED);
    }

    @Transactional
    public boolean replacementWaiting(String batchId) {
        return Db.one(ds, "SELECT 1 FROM settlement_txs WHERE batch_id = ? AND status = ?", rs -> 1, batchId, TxStatus.SIGNED).isPresent();
    }

    /**
     * The fees a no-op at this nonce must go above: the highest of the transactions the node took there, and of those
     * it refused as underpriced (it holds something better); empty when it took none there (a transaction it refused as
     * never valid needs no outbidding, and a no-op refused below the base fee is retried as it is).
     */
    @Transactional
    public Optional<Eip1559Fees> noOpFloorFees(String fromAddress, long nonce) {
        return Db.one(ds, "SELECT max(max_priority_fee_per_gas_wei), max(max_fee_per_gas_wei) FROM settlement_txs "
                        + "WHERE from_address = ? AND nonce = ? AND (status IN (?, ?, ?) OR (status = ? AND last_error = ?)) HAVING count(*) > 0",
                rs -> new Eip1559Fees(rs.getBigDecimal(1).toBigIntegerExact(), rs.getBigDecimal(2).toBigIntegerExact()),
                fromAddress.toLowerCase(), nonce, TxStatus.BROADCAST, TxStatus.REPLACED, TxStatus.MINED, TxStatus.DROPPED, UNDERPRICED);
    }

    /** {@link #dropped}'s reason for a replacement the node refused as underpriced. */
    static final String UNDERPRICED = "underpriced";

    /**
     * A lane's nonces that a no-op has still to fill: their settleBatch was dropped as never valid (its {@code cancelled}
     * alert), the batch is still open, and nothing at the nonce is signed, broadcast or mined (the no-op did not fit
     * under the fee ceiling, or the node refused it as underpriced). Lowest nonce first.
     */
    @Transactional
    public List<StoredTx> unfilledCancels(String fromAddress, int limit) {
        return Db.query(ds, "SELECT " + TX_COLUMNS + " FROM settlement_txs t WHERE t.stalled_since IS NOT NULL "
                        + "AND t.stalled_reason = 'cancelled' AND t.status = ? AND t.from_address = ? "
                        + "AND EXISTS (SELECT 1 FROM settlement_batches b WHERE b.id = t.batch_id AND b.status IN (?, ?)) "
                        + "AND NOT EXISTS (SELECT 1 FROM settlement_txs o WHERE o.from_address = t.from_address AND o.nonce = t.nonce "
                        + "AND o.status IN (?, ?, ?)) ORDER BY t.nonce LIMIT ?",
                SettlementStore::storedTx, TxStatus.DROPPED, fromAddress.toLowerCase(), BatchStatus.BATCHED, BatchStatus.SUBMITTED,
                TxStatus.SIGNED, TxStatus.BROADCAST, TxStatus.MINED, limit);
    }

    /** The highest fees ever signed for a nonce (a replacement must go above them all, refused ones included). */
    @Transactional
    public Optional<Eip1559Fees> highestFees(String fromAddress, long nonce) {
        return Db.one(ds, "SELECT max(max_priority_fee_per_gas_wei), max(max_fee_per_gas_wei) FROM settlement_txs "
                        + "WHERE from_address = ? AND nonce = ? HAVING count(*) > 0",
                rs -> new Eip1559Fees(rs.getBigDecimal(1).toBigIntegerExact(), rs.getBigDecimal(2).toBigIntegerExact()),
                fromAddress.toLowerCase(), nonce);
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void mined(Leases.Lease lease, Mined m) {
        leases.check(lease);
        int n = Db.update(ds, "UPDATE settlement_txs SET status = ?, mined_block = ?, gas_used = ?, effective_gas_price_wei = ?, updated_at = now() "
                + "WHERE tx_hash = ? AND status <> ?", TxStatus.MINED, m.block(), m.gasUsed(), m.effectiveGasPriceWei(), m.txHash(), TxStatus.MINED);
        if (n > 0) metrics.transactionMined(m.gasUsed(), m.effectiveGasPriceWei());
        closeSiblings(m.txHash());
    }

    /**
     * The nonce of {@code minedTxHash} is consumed by it: every other transaction signed at that nonce is
     * closed (a SIGNED one DROPPED, never sent; a BROADCAST one REPLACED). Left open, each would be sent
     * again for ever ("nonce too low") and its nonce looked at by every receipt check, lowest first,
     * crowding out the nonces still waiting.
     */
    private void closeSiblings(String minedTxHash) {
        Db.update(ds, "UPDATE settlement_txs s SET status = CASE WHEN s.status = ? THEN ? ELSE ? END, last_error = coalesce(s.last_error, ?), "
                        + "updated_at = now() FROM settlement_txs m WHERE m.tx_hash = ? AND s.from_address = m.from_address "
                        + "AND s.chain_id = m.chain_id AND s.nonce = m.nonce AND s.id <> m.id AND s.status IN (?, ?)",
                TxStatus.SIGNED, TxStatus.DROPPED, TxStatus.REPLACED, "nonce mined by " + minedTxHash, minedTxHash,
                TxStatus.SIGNED, TxStatus.BROADCAST);
    }

    /** The batch's transaction reverted (deep enough): its cash-outs FAIL and their holds are released, then the batch. */
    @Transactional(Transactional.TxType.MANDATORY)
    public int failed(Leases.Lease lease, String batchId, Mined m) {
        leases.check(lease);
        List<CashoutStore.Locked> failed = cashouts.fail(batchId, m.txHash(), "settlement_reverted", ACTOR);
        int n = Db.update(ds, "UPDATE settlement_batches SET status = ?, finished_at = now(), updated_at = now() WHERE id = ? AND status = ?",
                BatchStatus.FAILED, batchId, BatchStatus.SUBMITTED);
        Db.update(ds, "UPDATE settlement_txs SET status = ?, mined_block = ?, gas_used = ?, effective_gas_price_wei = ?, updated_at = now() "
                + "WHERE tx_hash = ?", TxStatus.REVERTED, m.block(), m.gasUsed(), m.effectiveGasPriceWei(), m.txHash());
        closeSiblings(m.txHash());
        if (n == 1) {
            audit.append(ACTOR, "batch.failed", batchId, Map.of("txHash", m.txHash(), "block", m.block(), "reason", "reverted",
                    "gasUsed", m.gasUsed(), "cashouts", failed.size()));
        }
        return failed.size();
    }

    /**
     * The batch's transaction reverted (final) in a block where the escrow was paused: a pause that landed
     * while it was in flight, not a fault of the batch. Its cash-outs go back to the queue (their holds kept;
     * new payout ids when batched again), the batch is CANCELLED and the transaction REVERTED; audited.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public List<String> revertedWhilePaused(Leases.Lease lease, String batchId, Mined m) {
        leases.check(lease);
        List<String> requeued = cashouts.requeue(batchId, "reverted_while_paused", ACTOR);
        int n = Db.update(ds, "UPDATE settlement_batches SET status = ?, finished_at = now(), updated_at = now() WHERE id = ? AND status IN (?, ?)",
                BatchStatus.CANCELLED, batchId, BatchStatus.BATCHED, BatchStatus.SUBMITTED);
        Db.update(ds, "UPDATE settlement_txs SET status = ?, mined_block = ?, gas_used = ?, effective_gas_price_wei = ?, updated_at = now() "
                + "WHERE tx_hash = ?", TxStatus.REVERTED, m.block(), m.gasUsed(), m.effectiveGasPriceWei(), m.txHash());
        if (n == 1) {
            audit.append(ACTOR, "batch.cancelled", batchId, Map.of("reason", "reverted_while_paused", "requeued", requeued.size(),
                    "txHash", m.txHash(), "block", m.block()));
        }
        return requeued;
    }

    /**
     * The batch can never be mined (a no-op filled its nonce and is final, or its nonce was used outside
     * the service): CANCELLED, its cash-outs back in the queue to be batched again with new payout ids.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public List<String> cancelled(Leases.Lease lease, String batchId, String reason, Mined noOp) {
        leases.check(lease);
        List<String> requeued = cashouts.requeue(batchId, reason, ACTOR);
        int n = Db.update(ds, "UPDATE settlement_batches SET status = ?, finished_at = now(), updated_at = now() WHERE id = ? AND status IN (?, ?)",
                BatchStatus.CANCELLED, batchId, BatchStatus.BATCHED, BatchStatus.SUBMITTED);
        if (noOp != null) mined(lease, noOp);
        Db.update(ds, "UPDATE settlement_txs SET status = ?, updated_at = now() WHERE batch_id = ? AND kind = ? AND status IN (?, ?)",
                TxStatus.REPLACED, batchId, TxKind.SETTLE, TxStatus.SIGNED, TxStatus.BROADCAST);
        if (n == 1) {
            Map<String, Object> payload = new LinkedHashMap<>();
            payload.put("reason", reason);
            payload.put("requeued", requeued.size());
            if (noOp != null) payload.put("noOpTxHash", noOp.txHash());
            audit.append(ACTOR, "batch.cancelled", batchId, payload);
        }
        return requeued;
    }

    /** The chain settled a batch (its BatchSettled log, deep enough): returns the local batch ids moved to SETTLED. */
    @Transactional(Transactional.TxType.MANDATORY)
    public List<String> settled(long chainBatchId, long block, String txHash, String actor, Map<String, Object> payload) {
        List<String> ids = Db.query(ds, "UPDATE settlement_batches SET status = ?, settled_block = ?, tx_hash = ?, finished_at = now(), "
                        + "updated_at = now() WHERE chain_batch_id = ? AND status IN (?, ?) RETURNING id", rs -> rs.getString(1),
                BatchStatus.SETTLED, block, txHash, chainBatchId, BatchStatus.BATCHED, BatchStatus.SUBMITTED);
        // the batch's transaction was dropped as never valid, yet the node held it and mined it: it is the nonce's now
        if (!ids.isEmpty() && Db.update(ds, "UPDATE settlement_txs SET status = ?, mined_block = ?, updated_at = now() WHERE tx_hash = ? "
                + "AND status = ?", TxStatus.MINED, block, txHash, TxStatus.DROPPED) > 0) {
            closeSiblings(txHash);
        }
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
        return Db.update(ds, "UPDATE settlement_batches SET status = ?, settled_block = NULL, finished_at = NULL, updated_at = now() "
                + "WHERE status = ? AND settled_block > ?", BatchStatus.SUBMITTED, BatchStatus.SETTLED, forkBlock);
    }

    // ---------------------------------------------------------------- pause

    @Transactional
    public Control control() {
        return Db.one(ds, "SELECT paused, changed_by, changed_at, reason, chain_tx FROM settlement_control WHERE id = 1",
                rs -> new Control(rs.getBoolean(1), rs.getString(2), Db.instant(rs, 3), rs.getString(4), rs.getString(5))).orElseThrow();
    }

    /**
     * Sets the pause flag and appends {@code settlement.paused} / {@code settlement.unpaused}; false (and
     * nothing changed: the record of the first pause or unpause stays) when it already was so.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean setPaused(boolean paused, String actor, String reason, String chainTx) {
        boolean was = Db.one(ds, "SELECT paused FROM settlement_control WHERE id = 1 FOR UPDATE", rs -> rs.getBoolean(1)).orElseThrow();
        if (was == paused) return false;
        Db.update(ds, "UPDATE settlement_control SET paused = ?, changed_by = ?, changed_at = now(), reason = ?, chain_tx = ? WHERE id = 1",
                paused, actor, reason, chainTx);
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("paused", paused);
        payload.put("changedBy", actor);
        payload.put("reason", reason == null ? "" : reason);
        payload.put("chainTx", chainTx == null ? "" : chainTx);
        audit.append(actor, paused ? "settlement.paused" : "settlement.unpaused", "settlement", payload);
        return true;
    }

    /**
     * The escrow was paused (unpaused) on chain in {@code chainTx} after the flag was set: recorded on the
     * pause row while the flag still says so, and audited ({@code settlement.escrow_paused} / {@code _unpaused}).
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void contractPauseSent(boolean paused, String chainTx, String actor) {
        Db.update(ds, "UPDATE settlement_control SET chain_tx = ? WHERE id = 1 AND paused = ?", chainTx, paused);
        audit.append(actor, paused ? "settlement.escrow_paused" : "settlement.escrow_unpaused", "settlement", Map.of("chainTx", chainTx));
    }

    // ---------------------------------------------------------------- settler keys

    @Transactional
    public List<SettlerKey> settlerKeys(long chainId) {
        return Db.query(ds, "SELECT address, keystore, status, added_by, added_at, retiring_at, retired_at FROM settler_keys "
                        + "WHERE chain_id = ? ORDER BY added_at, address",
                rs -> new SettlerKey(rs.getString(1), rs.getString(2), SettlerStatus.valueOf(rs.getString(3)), rs.getString(4),
                        Db.instant(rs, 5), Db.instant(rs, 6), Db.instant(rs, 7)), chainId);
    }

    /** Records a configured key the first time it is used (ACTIVE); a key already recorded keeps its status. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void recordConfiguredKey(String address, long chainId) {
        Db.update(ds, "INSERT INTO settler_keys (address, chain_id, status, added_by, added_at) VALUES (?, ?, ?, 'configuration', now()) "
                + "ON CONFLICT DO NOTHING", address.toLowerCase(), chainId, SettlerStatus.ACTIVE);
    }

    /**
     * A new settler key (its SETTLER_ROLE granted in {@code roleTx}) takes over: ACTIVE, and every other
     * ACTIVE key RETIRING (no new batch; retired once its transactions are final); audited.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public List<String> rotate(String address, long chainId, String keystore, String actor, String roleTx) {
        List<String> retiring = Db.query(ds, "UPDATE settler_keys SET status = ?, retiring_at = now() WHERE chain_id = ? AND status = ? "
                + "AND address <> ? RETURNING address", rs -> rs.getString(1), SettlerStatus.RETIRING, chainId, SettlerStatus.ACTIVE,
                address.toLowerCase());
        Db.update(ds, "INSERT INTO settler_keys (address, chain_id, keystore, status, added_by, added_at, role_tx) VALUES (?, ?, ?, ?, ?, now(), ?) "
                        + "ON CONFLICT (address, chain_id) DO UPDATE SET status = EXCLUDED.status, keystore = EXCLUDED.keystore, "
                        + "retiring_at = NULL, retired_at = NULL, role_tx = EXCLUDED.role_tx",
                address.toLowerCase(), chainId, keystore, SettlerStatus.ACTIVE, actor, roleTx);
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("address", address);
        payload.put("retiring", retiring);
        payload.put("roleTx", roleTx);
        audit.append(actor, "settler.rotated", "settler:" + address.toLowerCase(), payload);
        return retiring;
    }

    /** Whether a RETIRING key has nothing left in flight: no batch waiting on it and no transaction not final. */
    @Transactional
    public boolean laneDrained(String address) {
        return Db.one(ds, "SELECT 1 FROM settlement_batches WHERE from_address = ? AND status IN (?, ?) UNION ALL "
                        + "SELECT 1 FROM settlement_txs WHERE from_address = ? AND status IN (?, ?) LIMIT 1", rs -> 1,
                address.toLowerCase(), BatchStatus.BATCHED, BatchStatus.SUBMITTED, address.toLowerCase(), TxStatus.SIGNED, TxStatus.BROADCAST)
                .isEmpty();
    }

    /** The key's SETTLER_ROLE was revoked in {@code roleTx}: RETIRED, audited. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void retired(String address, long chainId, String roleTx, String actor) {
        int n = Db.update(ds, "UPDATE settler_keys SET status = ?, retired_at = now(), role_tx = ? WHERE address = ? AND chain_id = ? AND status = ?",
                SettlerStatus.RETIRED, roleTx, address.toLowerCase(), chainId, SettlerStatus.RETIRING);
        if (n == 1) audit.append(actor, "settler.retired", "settler:" + address.toLowerCase(), Map.of("address", address, "roleTx", roleTx));
    }
}
