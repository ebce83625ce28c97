package io.microsettle.reconcile;

import io.agroal.api.AgroalDataSource;
import io.microsettle.audit.AuditLog;
import io.microsettle.chain.ChainClient;
import io.microsettle.chain.ChainConfig;
import io.microsettle.ledger.LedgerService;
import io.microsettle.infra.Db;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.jboss.logging.Logger;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.DefaultBlockParameterNumber;
import org.web3j.protocol.core.methods.request.EthFilter;
import org.web3j.protocol.core.methods.response.EthBlock;
import org.web3j.protocol.core.methods.response.EthLog;
import org.web3j.protocol.core.methods.response.Log;

/**
 * Follows the escrow's logs up to head − confirmations in bounded ranges, stores them, detects reorgs
 * from stored block hashes, and settles matching cash-outs (SUBMITTED → CONFIRMED → SETTLED, hold →
 * debit) in one database transaction per range. Mismatches become discrepancies.
 */
@ApplicationScoped
public class ReconcileService {
    private static final Logger LOG = Logger.getLogger(ReconcileService.class);
    private static final String ACTOR = "reconciler";
    static final String CURSOR = "escrow";

    @Inject AgroalDataSource ds;
    @Inject ChainClient chain;
    @Inject AuditLog audit;
    @Inject LedgerService ledger;
    @Inject ReconcileConfig cfg;
    @Inject ChainConfig chainConfig;

    public record TickResult(long head, int ranges, int logs, int settled, int discrepancies, long reorgForkBlock) {}

    public synchronized TickResult tick() {
        Web3j web3j = chain.web3j();
        long head = call(() -> web3j.ethBlockNumber().send().getBlockNumber().longValueExact());
        long fork = checkReorg(web3j);
        int ranges = 0, logs = 0, settled = 0, disc = 0;
        for (int i = 0; i < cfg.maxRangesPerTick(); i++) {
            long next = QuarkusTransaction.requiringNew().call(this::cursor);
            Optional<BlockRange> range = BlockRange.next(next, head, chainConfig.confirmations(), cfg.maxBlockRange());
            if (range.isEmpty()) break;
            RangeResult r = processRange(web3j, range.get(), head);
            ranges++;
            logs += r.logs();
            settled += r.settled();
            disc += r.discrepancies();
        }
        return new TickResult(head, ranges, logs, settled, disc, fork);
    }

    record RangeResult(int logs, int settled, int discrepancies) {}

    RangeResult processRange(Web3j web3j, BlockRange range, long head) {
        EthFilter filter = new EthFilter(DefaultBlockParameter.valueOf(BigInteger.valueOf(range.fromBlock())),
                DefaultBlockParameter.valueOf(BigInteger.valueOf(range.toBlock())), chain.escrowAddress());
        filter.addOptionalTopics(EscrowEvents.PAYOUT_SETTLED_TOPIC, EscrowEvents.BATCH_SETTLED_TOPIC);
        EthLog ethLog = call(() -> web3j.ethGetLogs(filter).send());
        if (ethLog.hasError()) throw new IllegalStateException("eth_getLogs " + range + ": " + ethLog.getError().getMessage());
        List<EscrowEvents.Decoded> decoded = new ArrayList<>();
        for (EthLog.LogResult<?> lr : ethLog.getLogs()) {
            Log l = (Log) lr.get();
            if (l.isRemoved()) continue;
            var pos = new EscrowEvents.LogPosition(l.getBlockNumber().longValueExact(), l.getBlockHash(), l.getTransactionHash(),
                    l.getLogIndex().intValueExact());
            EscrowEvents.decode(pos, l.getTopics(), l.getData()).ifPresent(decoded::add);
        }
        String endHash = blockHash(web3j, range.toBlock());
        return QuarkusTransaction.requiringNew().call(() -> {
            long cursor = Db.query(ds, "SELECT next_block FROM reconcile_cursor WHERE name = ? FOR UPDATE", rs -> rs.getLong(1), CURSOR).get(0);
            if (cursor != range.fromBlock()) return new RangeResult(0, 0, 0); // another run moved it
            int settled = 0, disc = 0;
            Map<Long, String> blocks = new TreeMap<>();
            blocks.put(range.toBlock(), endHash);
            for (EscrowEvents.Decoded d : decoded) {
                blocks.put(d.position().blockNumber(), d.position().blockHash());
                if (!storeLog(d)) continue; // seen already
                if (d instanceof EscrowEvents.PayoutSettled p) {
                    Outcome o = applyPayout(p, head);
                    if (o == Outcome.SETTLED) settled++;
                    if (o == Outcome.DISCREPANCY) disc++;
                } else if (d instanceof EscrowEvents.BatchSettled b) {
                    applyBatch(b);
                }
            }
            for (var e : blocks.entrySet()) {
                Db.update(ds, "INSERT INTO reconcile_blocks (block_number, block_hash) VALUES (?, ?) "
                        + "ON CONFLICT (block_number) DO UPDATE SET block_hash = EXCLUDED.block_hash", e.getKey(), e.getValue());
            }
            Db.update(ds, "DELETE FROM reconcile_blocks WHERE block_number < ?", range.toBlock() - cfg.reorgWindowBlocks());
            Db.update(ds, "UPDATE reconcile_cursor SET next_block = ?, updated_at = now() WHERE name = ?", range.toBlock() + 1, CURSOR);
            return new RangeResult(decoded.size(), settled, disc);
        });
    }

    private boolean storeLog(EscrowEvents.Decoded d) {
        var p = d.position();
        if (d instanceof EscrowEvents.PayoutSettled ps) {
            return Db.update(ds, "INSERT INTO chain_logs (block_hash, log_index, block_number, tx_hash, event, payout_id, chain_batch_id, payee, "
                            + "net_base_units, fee_base_units) VALUES (?,?,?,?, 'PayoutSettled', ?,?,?,?,?) ON CONFLICT DO NOTHING",
                    p.blockHash(), p.logIndex(), p.blockNumber(), p.txHash(), ps.payoutId().longValueExact(), ps.batchId().longValueExact(),
                    ps.payee(), ps.netAmount(), ps.feeAmount()) == 1;
        }
        EscrowEvents.BatchSettled bs = (EscrowEvents.BatchSettled) d;
        return Db.update(ds, "INSERT INTO chain_logs (block_hash, log_index, block_number, tx_hash, event, chain_batch_id, funder, "
                        + "payout_count, net_base_units, fee_base_units) VALUES (?,?,?,?, 'BatchSettled', ?,?,?,?,?) ON CONFLICT DO NOTHING",
                p.blockHash(), p.logIndex(), p.blockNumber(), p.txHash(), bs.batchId().longValueExact(), bs.funder(),
                bs.count().longValueExact(), bs.totalNet(), bs.totalFee()) == 1;
    }

    enum Outcome { SETTLED, DISCREPANCY, NOOP }

    record Local(String id, String accountId, String status, long gross, long net, long fee, String payee, long chainBatchId) {}

    private Outcome applyPayout(EscrowEvents.PayoutSettled p, long head) {
        var pos = p.position();
        List<Local> found = p.payoutId().bitLength() > 62 ? List.of() : Db.query(ds,
                "SELECT c.id, c.account_id, c.status, c.gross_base_units, c.net_base_units, c.fee_base_units, c.destination, "
                        + "COALESCE(b.chain_batch_id, -1) FROM cashouts c LEFT JOIN settlement_batches b ON b.id = c.batch_id "
                        + "WHERE c.payout_id = ? FOR UPDATE OF c",
                rs -> new Local(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getLong(5), rs.getLong(6),
                        rs.getString(7), rs.getLong(8)), p.payoutId().longValue());
        Local c = found.isEmpty() ? null : found.get(0);
        PayoutMatcher.Expected expected = c == null ? null
                : new PayoutMatcher.Expected(c.id(), p.payoutId().longValue(), c.chainBatchId(), c.payee(), c.net(), c.fee());
        List<PayoutMatcher.Mismatch> mismatches = PayoutMatcher.compare(p, expected);
        if (!mismatches.isEmpty()) {
            for (PayoutMatcher.Mismatch m : mismatches) recordDiscrepancy(m.kind().name(), p, c == null ? null : c.id(), m.detail());
            return Outcome.DISCREPANCY;
        }
        if (c.status().equals("SETTLED") || c.status().equals("CONFIRMED")) {
            recordDiscrepancy("DUPLICATE_SETTLEMENT", p, c.id(), "cash-out already " + c.status() + " from another log");
            return Outcome.DISCREPANCY;
        }
        if (!c.status().equals("SUBMITTED") && !c.status().equals("BATCHED")) {
            recordDiscrepancy("UNEXPECTED_STATUS", p, c.id(), "settled on chain while " + c.status() + " locally");
            return Outcome.DISCREPANCY;
        }
        int confirmations = ConfirmationDepth.confirmations(head, pos.blockNumber());
        Db.update(ds, "UPDATE cashouts SET status = 'CONFIRMED', tx_hash = ?, block_number = ?, block_hash = ?, log_index = ?, "
                        + "confirmations = ?, updated_at = now() WHERE id = ?",
                pos.txHash(), pos.blockNumber(), pos.blockHash(), pos.logIndex(), confirmations, c.id());
        Map<String, Object> where = new LinkedHashMap<>();
        where.put("txHash", pos.txHash());
        where.put("blockNumber", pos.blockNumber());
        where.put("blockHash", pos.blockHash());
        where.put("logIndex", pos.logIndex());
        where.put("confirmations", confirmations);
        where.put("payoutId", p.payoutId().longValue());
        Map<String, Object> confirmedPayload = new HashMap<>(where);
        confirmedPayload.put("from", c.status());
        confirmedPayload.put("to", "CONFIRMED");
        audit.append(ACTOR, "cashout.confirmed", c.id(), confirmedPayload);
        Db.update(ds, "UPDATE cashouts SET status = 'SETTLED', settled_at = now(), updated_at = now() WHERE id = ?", c.id());
        boolean firstSettle = Db.update(ds, "INSERT INTO settlement_ledger_settled (cashout_id) VALUES (?) ON CONFLICT DO NOTHING", c.id()) == 1;
        if (firstSettle) ledger.settle(c.accountId(), c.gross(), c.fee(), c.id());
        Map<String, Object> settledPayload = new HashMap<>(where);
        settledPayload.put("from", "CONFIRMED");
        settledPayload.put("to", "SETTLED");
        settledPayload.put("net", Long.toString(c.net()));
        settledPayload.put("fee", Long.toString(c.fee()));
        settledPayload.put("ledgerSettled", firstSettle);
        audit.append(ACTOR, "cashout.settled", c.id(), settledPayload);
        return Outcome.SETTLED;
    }

    private void applyBatch(EscrowEvents.BatchSettled b) {
        if (b.batchId().bitLength() > 62) return;
        List<String> ids = Db.query(ds, "UPDATE settlement_batches SET status = 'SETTLED', settled_block = ?, tx_hash = ?, updated_at = now() "
                        + "WHERE chain_batch_id = ? AND status IN ('BATCHED','SUBMITTED') RETURNING id",
                rs -> rs.getString(1), b.position().blockNumber(), b.position().txHash(), b.batchId().longValue());
        for (String id : ids) {
            audit.append(ACTOR, "batch.settled", id, Map.of("txHash", b.position().txHash(), "blockNumber", b.position().blockNumber(),
                    "count", b.count().toString(), "totalNet", b.totalNet().toString(), "totalFee", b.totalFee().toString()));
        }
        if (ids.isEmpty() && Db.query(ds, "SELECT 1 FROM settlement_batches WHERE chain_batch_id = ?", rs -> 1, b.batchId().longValue()).isEmpty()) {
            var pos = b.position();
            Db.update(ds, "INSERT INTO discrepancies (kind, chain_batch_id, tx_hash, block_number, block_hash, log_index, detail) "
                            + "VALUES ('UNKNOWN_BATCH', ?,?,?,?,?,?) ON CONFLICT DO NOTHING",
                    b.batchId().longValue(), pos.txHash(), pos.blockNumber(), pos.blockHash(), pos.logIndex(),
                    "no local batch has chain batch id " + b.batchId());
        }
    }

    private void recordDiscrepancy(String kind, EscrowEvents.PayoutSettled p, String cashoutId, String detail) {
        var pos = p.position();
        int n = Db.update(ds, "INSERT INTO discrepancies (kind, payout_id, chain_batch_id, cashout_id, tx_hash, block_number, block_hash, "
                        + "log_index, detail) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING",
                kind, p.payoutId().bitLength() > 62 ? null : p.payoutId().longValue(), p.batchId().bitLength() > 62 ? null : p.batchId().longValue(),
                cashoutId, pos.txHash(), pos.blockNumber(), pos.blockHash(), pos.logIndex(), detail);
        if (n == 1) {
            LOG.warnf("discrepancy %s: %s (tx %s log %d)", kind, detail, pos.txHash(), pos.logIndex());
            audit.append(ACTOR, "discrepancy.recorded", cashoutId != null ? cashoutId : "payout:" + p.payoutId(),
                    Map.of("kind", kind, "detail", detail, "txHash", pos.txHash(), "logIndex", pos.logIndex()));
        }
    }

    // ---------------------------------------------------------------- cursor and reorgs

    long cursor() {
        List<Long> c = Db.query(ds, "SELECT next_block FROM reconcile_cursor WHERE name = ?", rs -> rs.getLong(1), CURSOR);
        if (!c.isEmpty()) return c.get(0);
        Db.update(ds, "INSERT INTO reconcile_cursor (name, next_block) VALUES (?, ?) ON CONFLICT DO NOTHING", CURSOR, cfg.startBlock());
        return Db.query(ds, "SELECT next_block FROM reconcile_cursor WHERE name = ?", rs -> rs.getLong(1), CURSOR).get(0);
    }

    /** Returns the fork block (last canonical block) when a reorg was found and undone, else -1. */
    long checkReorg(Web3j web3j) {
        List<ReorgDetector.StoredBlock> stored = QuarkusTransaction.requiringNew().call(() -> Db.query(ds,
                "SELECT block_number, block_hash FROM reconcile_blocks ORDER BY block_number DESC LIMIT ?",
                rs -> new ReorgDetector.StoredBlock(rs.getLong(1), rs.getString(2)), cfg.reorgWindowBlocks()));
        OptionalLong last = ReorgDetector.lastCanonical(stored, n -> blockHash(web3j, n), cfg.reorgWindowBlocks());
        if (last.isEmpty()) return -1;
        long fork = last.getAsLong();
        QuarkusTransaction.requiringNew().run(() -> undoAbove(fork));
        return fork;
    }

    void undoAbove(long forkBlock) {
        Db.query(ds, "SELECT next_block FROM reconcile_cursor WHERE name = ? FOR UPDATE", rs -> 1, CURSOR);
        int removedLogs = Db.update(ds, "DELETE FROM chain_logs WHERE block_number > ?", forkBlock);
        List<String[]> reverted = Db.query(ds, "UPDATE cashouts c SET status = 'SUBMITTED', block_number = NULL, block_hash = NULL, "
                        + "log_index = NULL, confirmations = NULL, settled_at = NULL, updated_at = now() "
                        + "FROM (SELECT id, status AS old_status FROM cashouts WHERE block_number > ? AND status IN ('CONFIRMED','SETTLED') FOR UPDATE) o "
                        + "WHERE c.id = o.id RETURNING c.id, o.old_status, c.tx_hash",
                rs -> new String[] {rs.getString(1), rs.getString(2), rs.getString(3)}, forkBlock);
        Db.update(ds, "UPDATE settlement_batches SET status = 'SUBMITTED', settled_block = NULL, updated_at = now() "
                + "WHERE status = 'SETTLED' AND settled_block > ?", forkBlock);
        Db.update(ds, "DELETE FROM reconcile_blocks WHERE block_number > ?", forkBlock);
        Db.update(ds, "UPDATE reconcile_cursor SET next_block = LEAST(next_block, ?), updated_at = now() WHERE name = ?", forkBlock + 1, CURSOR);
        audit.append(ACTOR, "chain.reorg", "block:" + forkBlock, Map.of("forkBlock", forkBlock, "removedLogs", removedLogs,
                "cashoutsReverted", reverted.size()));
        for (String[] r : reverted) {
            // the transaction it is waiting on again (its receipt may come back on the new fork)
            Map<String, Object> payload = new LinkedHashMap<>();
            payload.put("from", r[1]);
            payload.put("to", "SUBMITTED");
            payload.put("forkBlock", forkBlock);
            payload.put("txHash", r[2]);
            audit.append(ACTOR, "cashout.reorged", r[0], payload);
        }
        LOG.warnf("reorg below block %d: %d logs removed, %d cash-outs back to SUBMITTED", forkBlock + 1, removedLogs, reverted.size());
    }

    String blockHash(Web3j web3j, long number) {
        EthBlock.Block b = call(() -> web3j.ethGetBlockByNumber(new DefaultBlockParameterNumber(number), false).send().getBlock());
        return b == null ? null : b.getHash();
    }

    interface Io<T> { T get() throws IOException; }

    static <T> T call(Io<T> io) {
        try {
            return io.get();
        } catch (IOException e) {
            throw new IllegalStateException("rpc: " + e.getMessage(), e);
        }
    }
}
