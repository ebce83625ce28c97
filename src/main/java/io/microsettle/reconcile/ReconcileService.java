package io.microsettle.reconcile;

import io.microsettle.chain.EscrowEvents;
import io.agroal.api.AgroalDataSource;
import io.microsettle.audit.AuditLog;
import io.microsettle.cashout.CashoutStatus;
import io.microsettle.cashout.CashoutStore;
import io.microsettle.chain.ChainClient;
import io.microsettle.chain.ChainConfig;
import io.microsettle.chain.ConfirmationDepth;
import io.microsettle.infra.Db;
import io.microsettle.infra.Leases;
import io.microsettle.settlement.SettlementStore;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import io.microsettle.infra.DaemonPools;
import jakarta.annotation.PreDestroy;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import org.jboss.logging.Logger;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.DefaultBlockParameterNumber;
import org.web3j.protocol.core.methods.request.EthFilter;
import org.web3j.protocol.core.methods.response.EthBlock;
import org.web3j.protocol.core.methods.response.EthLog;
import org.web3j.protocol.core.methods.response.Log;

/**
 * Follows the escrow's logs up to head − confirmations in bounded ranges (read from the node with no
 * transaction open), stores them, detects reorgs from stored block hashes, and settles matching
 * cash-outs set-based (SUBMITTED → CONFIRMED → SETTLED, hold → debit, through the cash-out store) in
 * one short database transaction per range (a range with many payouts: in a few parts at once, then the
 * range's own transaction). Mismatches become discrepancies.
 */
@ApplicationScoped
public class ReconcileService {
    private static final Logger LOG = Logger.getLogger(ReconcileService.class);
    private static final String ACTOR = "reconciler";
    static final String CURSOR = "escrow";

    @Inject AgroalDataSource ds;
    @Inject ChainClient chain;
    @Inject AuditLog audit;
    @Inject ReconcileConfig cfg;
    @Inject ChainConfig chainConfig;
    @Inject CashoutStore cashouts;
    @Inject SettlementStore batches;
    @Inject Leases leases;
    @Inject Discrepancies discrepancies;
    private final ReconcilePhases phases = new ReconcilePhases();
    private ExecutorService settlePool;

    public record TickResult(long head, int ranges, int logs, int settled, int discrepancies, long reorgForkBlock) {}

    /** One replica reconciles at a time: empty while another holds the lease (this tick then does nothing). */
    Optional<Leases.Lease> lease() {
        return leases.acquire("reconciler:" + chain.chainId(), java.time.Duration.ofMillis(cfg.leaseMillis()));
    }

    public synchronized TickResult tick() {
        Optional<Leases.Lease> held = lease();
        if (held.isEmpty()) return new TickResult(-1, 0, 0, 0, 0, -1);
        Leases.Lease lease = held.get();
        Web3j web3j = chain.web3j();
        long t = System.nanoTime();
        long head = call(() -> web3j.ethBlockNumber().send().getBlockNumber().longValueExact());
        long fork = checkReorg(lease, web3j);
        phases.add(ReconcilePhases.Phase.HEAD_AND_REORG, t);
        int ranges = 0, logs = 0, settled = 0, disc = 0;
        for (int i = 0; i < cfg.maxRangesPerTick(); i++) {
            long next = QuarkusTransaction.requiringNew().call(this::cursor);
            Optional<BlockRange> range = BlockRange.next(next, head, chainConfig.confirmations(), chainConfig.maxBlockRange());
            if (range.isEmpty()) break;
            RangeResult r = processRange(lease, web3j, range.get(), head);
            ranges++;
            logs += r.logs();
            settled += r.settled();
            disc += r.discrepancies();
        }
        t = System.nanoTime();
        disc += QuarkusTransaction.requiringNew().call(() -> staleSubmissions(lease));
        phases.add(ReconcilePhases.Phase.STALE, t);
        return new TickResult(head, ranges, logs, settled, disc, fork);
    }

    /** Records the cash-outs SUBMITTED longer than the configured time with no settlement seen (each once per transaction). */
    int staleSubmissions(Leases.Lease lease) {
        leases.check(lease);
        List<Discrepancies.New> stale = Db.query(ds, "SELECT c.id, c.payout_id, c.tx_hash, "
                        + "floor(extract(epoch FROM now() - c.updated_at))::bigint FROM cashouts c "
                        + "WHERE c.status = 'SUBMITTED' AND c.updated_at < now() - make_interval(secs => ?) "
                        + "AND NOT EXISTS (SELECT 1 FROM discrepancies d WHERE d.kind = 'STALE_SUBMISSION' AND d.block_hash IS NULL "
                        + "AND d.cashout_id = c.id AND coalesce(d.tx_hash, '') = coalesce(c.tx_hash, '')) "
                        + "ORDER BY c.updated_at, c.id LIMIT ?",
                rs -> new Discrepancies.New(Discrepancies.Kind.STALE_SUBMISSION, (Long) rs.getObject(2, Long.class), null, rs.getString(1),
                        rs.getString(3), null, null, null, "SUBMITTED for " + rs.getLong(4) + " s (transaction " + rs.getString(3)
                                + ") with no settlement seen on chain; limit " + cfg.staleSubmissionMillis() / 1000 + " s"),
                cfg.staleSubmissionMillis() / 1000.0, cfg.maxStalePerTick());
        return discrepancies.openAll(stale, ACTOR);
    }

    record RangeResult(int logs, int settled, int discrepancies) {}

    RangeResult processRange(Leases.Lease lease, Web3j web3j, BlockRange read, long head) {
        List<EscrowEvents.Decoded> all = read(web3j, read);
        // a range with more payouts than one transaction settles ends earlier; the rest is the next range's
        BlockRange range = read.fit(all.stream().filter(d -> d instanceof EscrowEvents.PayoutSettled)
                .map(d -> d.position().blockNumber()).toList(), cfg.maxPayoutsPerRange());
        List<EscrowEvents.Decoded> decoded = range.equals(read) ? all
                : all.stream().filter(d -> d.position().blockNumber() <= range.toBlock()).toList();
        long t0 = System.nanoTime();
        String endHash = blockHash(web3j, range.toBlock());
        phases.add(ReconcilePhases.Phase.BLOCK_HASH, t0);
        List<EscrowEvents.PayoutSettled> payoutLogs = new ArrayList<>();
        for (EscrowEvents.Decoded d : decoded) if (d instanceof EscrowEvents.PayoutSettled p) payoutLogs.add(p);
        int parts = SettleParts.count(payoutLogs.size(), cfg.settleWorkers(), cfg.minPayoutsPerSettlePart());
        int[] inParts = {0, 0};
        List<EscrowEvents.Decoded> rangeLogs = decoded;
        if (parts > 1) {
            long t = System.nanoTime();
            inParts = settleInParts(lease, range, payoutLogs, parts, head);
            phases.add(ReconcilePhases.Phase.SETTLE, t);
            rangeLogs = decoded.stream().filter(d -> !(d instanceof EscrowEvents.PayoutSettled)).toList();
        }
        List<EscrowEvents.Decoded> inRangeTx = rangeLogs;
        long[] inside = new long[1];
        long tx = System.nanoTime();
        RangeResult result = QuarkusTransaction.requiringNew().call(() -> {
            long in = System.nanoTime();
            leases.check(lease);
            long cursor = Db.one(ds, "SELECT next_block FROM reconcile_cursor WHERE name = ? FOR UPDATE", rs -> rs.getLong(1), CURSOR)
                    .orElseThrow();
            if (cursor != range.fromBlock()) return new RangeResult(0, 0, 0); // another run moved it
            long t = System.nanoTime();
            List<EscrowEvents.Decoded> fresh = storeLogs(inRangeTx);
            t = phases.add(ReconcilePhases.Phase.STORE_LOGS, t);
            List<EscrowEvents.PayoutSettled> payouts = new ArrayList<>();
            for (EscrowEvents.Decoded d : fresh) if (d instanceof EscrowEvents.PayoutSettled p) payouts.add(p);
            int[] applied = applyPayouts(payouts, head, phases);
            // cash-outs settled, cursor not moved, not committed (a range with no payout has nothing to crash in the middle of)
            if (!payouts.isEmpty()) io.microsettle.infra.CrashPoints.reach("reconcile.mid-range");
            t = System.nanoTime();
            for (EscrowEvents.Decoded d : fresh) if (d instanceof EscrowEvents.BatchSettled b) applyBatch(b);
            t = phases.add(ReconcilePhases.Phase.BATCHES, t);
            recordBlocks(range, endHash, decoded);
            Db.update(ds, "UPDATE reconcile_cursor SET next_block = ?, updated_at = now() WHERE name = ?", range.toBlock() + 1, CURSOR);
            inside[0] = phases.add(ReconcilePhases.Phase.BLOCKS_AND_CURSOR, t) - in;
            return new RangeResult(decoded.size(), applied[0], applied[1]);
        });
        phases.add(ReconcilePhases.Phase.COMMIT, tx + inside[0]);
        return new RangeResult(result.logs(), result.settled() + inParts[0], result.discrepancies() + inParts[1]);
    }

    /**
     * A range's payouts settled in {@code parts} transactions at once (the database's cores, not one backend, do
     * the rows), before the range's own transaction (its other logs, its blocks, the cursor). Each part stores its
     * logs and settles their cash-outs in one transaction, so a part that committed is never applied again (its
     * logs are not new when the range is read again) and one that failed is applied by the next tick; the cursor
     * moves only after every part has committed. The parts' cash-outs are disjoint; their balance rows are locked
     * last, in key order, as every post does. Returns {settled, discrepancies}; a part's failure is thrown.
     */
    private int[] settleInParts(Leases.Lease lease, BlockRange range, List<EscrowEvents.PayoutSettled> logs, int parts, long head) {
        int size = (logs.size() + parts - 1) / parts;
        List<Future<int[]>> futures = new ArrayList<>();
        for (int i = 0; i < logs.size(); i += size) {
            List<EscrowEvents.Decoded> part = List.copyOf(logs.subList(i, Math.min(logs.size(), i + size)));
            futures.add(settlePool().submit(() -> QuarkusTransaction.requiringNew().call(() -> {
                leases.check(lease);
                long cursor = Db.one(ds, "SELECT next_block FROM reconcile_cursor WHERE name = ?", rs -> rs.getLong(1), CURSOR).orElseThrow();
                if (cursor != range.fromBlock()) throw new IllegalStateException("the cursor moved from " + range.fromBlock() + " to " + cursor);
                List<EscrowEvents.PayoutSettled> fresh = new ArrayList<>();
                for (EscrowEvents.Decoded d : storeLogs(part)) if (d instanceof EscrowEvents.PayoutSettled p) fresh.add(p);
                int[] applied = applyPayouts(fresh, head, new ReconcilePhases());
                if (!fresh.isEmpty()) io.microsettle.infra.CrashPoints.reach("reconcile.mid-range");
                return applied;
            })));
        }
        int[] sum = {0, 0};
        RuntimeException failed = null;
        for (Future<int[]> f : futures) {
            try {
                int[] r = f.get();
                sum[0] += r[0];
                sum[1] += r[1];
            } catch (ExecutionException e) {
                if (e.getCause() instanceof Error err) throw err;
                if (failed == null) failed = e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while settling " + range, e);
            }
        }
        if (failed != null) throw failed;
        return sum;
    }

    private synchronized ExecutorService settlePool() {
        if (settlePool == null) settlePool = DaemonPools.fixed("reconcile-settle", cfg.settleWorkers());
        return settlePool;
    }

    @PreDestroy
    synchronized void stop() {
        if (settlePool != null) settlePool.shutdownNow();
    }

    /** Milliseconds per phase of the ticks since the last {@link #resetPhaseTimes} (the reconcile benchmark prints them). */
    public java.util.Map<String, Double> phaseMillis() {
        return phases.millis();
    }

    public void resetPhaseTimes() {
        phases.reset();
    }

    private List<EscrowEvents.Decoded> read(Web3j web3j, BlockRange range) {
        EthFilter filter = new EthFilter(DefaultBlockParameter.valueOf(BigInteger.valueOf(range.fromBlock())),
                DefaultBlockParameter.valueOf(BigInteger.valueOf(range.toBlock())), chain.escrowAddress());
        filter.addOptionalTopics(EscrowEvents.PAYOUT_SETTLED_TOPIC, EscrowEvents.BATCH_SETTLED_TOPIC);
        long t = System.nanoTime();
        EthLog ethLog = call(() -> web3j.ethGetLogs(filter).send());
        t = phases.add(ReconcilePhases.Phase.GET_LOGS, t);
        if (ethLog.hasError()) throw new IllegalStateException("eth_getLogs " + range + ": " + ethLog.getError().getMessage());
        List<EscrowEvents.Decoded> decoded = new ArrayList<>();
        for (EthLog.LogResult<?> lr : ethLog.getLogs()) {
            Log l = (Log) lr.get();
            if (l.isRemoved()) continue;
            // the raw quantities: web3j's getBlockNumber()/getLogIndex() first try Long.parseLong on the hex and catch
            // the NumberFormatException, two exceptions a log (most of the decode time of a 10,000-log range)
            var pos = new EscrowEvents.LogPosition(quantity(l.getBlockNumberRaw()), l.getBlockHash(), l.getTransactionHash(),
                    Math.toIntExact(quantity(l.getLogIndexRaw())));
            EscrowEvents.decode(pos, l.getTopics(), l.getData()).ifPresent(decoded::add);
        }
        phases.add(ReconcilePhases.Phase.DECODE, t);
        return decoded;
    }

    private void recordBlocks(BlockRange range, String endHash, List<EscrowEvents.Decoded> decoded) {
        Map<Long, String> blocks = new TreeMap<>();
        blocks.put(range.toBlock(), endHash);
        for (EscrowEvents.Decoded d : decoded) blocks.put(d.position().blockNumber(), d.position().blockHash());
        Db.update(ds, "INSERT INTO reconcile_blocks (block_number, block_hash) SELECT * FROM unnest(?::bigint[], ?::text[]) "
                        + "ON CONFLICT (block_number) DO UPDATE SET block_hash = EXCLUDED.block_hash",
                blocks.keySet().toArray(Long[]::new), blocks.values().toArray(String[]::new));
        Db.update(ds, "DELETE FROM reconcile_blocks WHERE block_number < ?", range.toBlock() - cfg.reorgWindowBlocks());
    }

    /**
     * Stores the logs not seen before (by block hash and log index) in one set-based insert and returns those, in
     * chain order (a statement per log made ingestion round-trip bound).
     */
    private List<EscrowEvents.Decoded> storeLogs(List<EscrowEvents.Decoded> decoded) {
        if (decoded.isEmpty()) return List.of();
        int n = decoded.size();
        String[] blockHash = new String[n], txHash = new String[n], event = new String[n], payee = new String[n], funder = new String[n];
        String[] net = new String[n], fee = new String[n];
        Long[] logIndex = new Long[n], blockNumber = new Long[n], payoutId = new Long[n], batchId = new Long[n], count = new Long[n];
        for (int i = 0; i < n; i++) {
            var p = decoded.get(i).position();
            blockHash[i] = p.blockHash();
            logIndex[i] = (long) p.logIndex();
            blockNumber[i] = p.blockNumber();
            txHash[i] = p.txHash();
            if (decoded.get(i) instanceof EscrowEvents.PayoutSettled ps) {
                event[i] = "PayoutSettled";
                payoutId[i] = longOrNull(ps.payoutId());
                batchId[i] = longOrNull(ps.batchId());
                payee[i] = ps.payee();
                net[i] = ps.netAmount().toString();
                fee[i] = ps.feeAmount().toString();
            } else {
                EscrowEvents.BatchSettled bs = (EscrowEvents.BatchSettled) decoded.get(i);
                event[i] = "BatchSettled";
                batchId[i] = longOrNull(bs.batchId());
                funder[i] = bs.funder();
                count[i] = longOrNull(bs.count());
                net[i] = bs.totalNet().toString();
                fee[i] = bs.totalFee().toString();
            }
        }
        java.util.Set<String> inserted = new java.util.HashSet<>(Db.query(ds,
                "INSERT INTO chain_logs (block_hash, log_index, block_number, tx_hash, event, payout_id, chain_batch_id, payee, funder, "
                        + "net_base_units, fee_base_units, payout_count) SELECT * FROM unnest(?::text[], ?::int[], ?::bigint[], ?::text[], "
                        + "?::text[], ?::bigint[], ?::bigint[], ?::text[], ?::text[], ?::numeric[], ?::numeric[], ?::bigint[]) "
                        + "ON CONFLICT DO NOTHING RETURNING block_hash, log_index",
                rs -> rs.getString(1) + "#" + rs.getInt(2),
                blockHash, logIndex, blockNumber, txHash, event, payoutId, batchId, payee, funder, net, fee, count));
        List<EscrowEvents.Decoded> fresh = new ArrayList<>();
        for (EscrowEvents.Decoded d : decoded) {
            if (inserted.contains(d.position().blockHash() + "#" + d.position().logIndex())) fresh.add(d);
        }
        return fresh;
    }

    record Local(String id, CashoutStatus status, long net, long fee, String payee, long chainBatchId) {}

    /** Matches the range's PayoutSettled logs with their cash-outs and settles the matches set-based; returns {settled, discrepancies}. */
    private int[] applyPayouts(List<EscrowEvents.PayoutSettled> logs, long head, ReconcilePhases phases) {
        if (logs.isEmpty()) return new int[] {0, 0};
        long t = System.nanoTime();
        Map<Long, Local> local = locals(logs);
        List<CashoutStore.Settlement> matched = new ArrayList<>();
        Map<String, EscrowEvents.PayoutSettled> logOf = new HashMap<>();
        List<Discrepancies.New> mismatched = new ArrayList<>();
        for (EscrowEvents.PayoutSettled p : logs) {
            Local c = p.payoutId().bitLength() > 62 ? null : local.get(p.payoutId().longValue());
            PayoutMatcher.Expected expected = c == null ? null
                    : new PayoutMatcher.Expected(c.id(), p.payoutId().longValue(), c.chainBatchId(), c.payee(), c.net(), c.fee());
            List<PayoutMatcher.Mismatch> mismatches = PayoutMatcher.compare(p, expected);
            if (!mismatches.isEmpty()) {
                for (PayoutMatcher.Mismatch m : mismatches) mismatched.add(discrepancy(m.kind().name(), p, c == null ? null : c.id(), m.detail()));
                continue;
            }
            var pos = p.position();
            matched.add(new CashoutStore.Settlement(c.id(), p.payoutId().longValue(), pos.txHash(), pos.blockNumber(), pos.blockHash(),
                    pos.logIndex(), ConfirmationDepth.confirmations(head, pos.blockNumber())));
            logOf.put(c.id(), p);
        }
        t = phases.add(ReconcilePhases.Phase.MATCH, t);
        int disc = discrepancies.openAll(mismatched, ACTOR);
        Set<String> settled = new java.util.HashSet<>();
        // one block can hold more payouts than a set: settled in several, in this one transaction, in id order
        // across them all (each set locks its cash-outs in id order: the one lock order holds over the whole range)
        matched.sort(java.util.Comparator.comparing(CashoutStore.Settlement::cashoutId));
        for (int i = 0; i < matched.size(); i += cfg.maxPayoutsPerRange()) {
            settled.addAll(cashouts.settle(matched.subList(i, Math.min(matched.size(), i + cfg.maxPayoutsPerRange())), ACTOR));
        }
        phases.add(ReconcilePhases.Phase.SETTLE, t);
        List<Discrepancies.New> unsettled = new ArrayList<>();
        for (CashoutStore.Settlement s : matched) {
            if (settled.contains(s.cashoutId())) continue;
            // not SUBMITTED or BATCHED when the log came: settled from another log already, or in an unexpected state
            CashoutStatus status = local.get(s.payoutId()).status();
            boolean duplicate = status == CashoutStatus.SETTLED || status == CashoutStatus.CONFIRMED;
            unsettled.add(discrepancy(duplicate ? "DUPLICATE_SETTLEMENT" : "UNEXPECTED_STATUS", logOf.get(s.cashoutId()), s.cashoutId(),
                    duplicate ? "cash-out already " + status + " from another log" : "settled on chain while " + status + " locally"));
        }
        disc += discrepancies.openAll(unsettled, ACTOR);
        return new int[] {settled.size(), disc};
    }

    /** The cash-outs carrying the logs' payout ids, with the chain id of their batch. */
    private Map<Long, Local> locals(List<EscrowEvents.PayoutSettled> logs) {
        Long[] ids = logs.stream().filter(p -> p.payoutId().bitLength() <= 62).map(p -> p.payoutId().longValue()).toArray(Long[]::new);
        Map<Long, Local> out = new HashMap<>();
        Db.query(ds, "SELECT c.payout_id, c.id, c.status, c.net_base_units, c.fee_base_units, c.destination, "
                        + "COALESCE(b.chain_batch_id, -1) FROM cashouts c LEFT JOIN settlement_batches b ON b.id = c.batch_id "
                        + "WHERE c.payout_id = ANY(?)",
                rs -> out.put(rs.getLong(1), new Local(rs.getString(2), CashoutStatus.valueOf(rs.getString(3)), rs.getLong(4), rs.getLong(5), rs.getString(6),
                        rs.getLong(7))), (Object) ids);
        return out;
    }

    private void applyBatch(EscrowEvents.BatchSettled b) {
        if (b.batchId().bitLength() > 62) return;
        var pos = b.position();
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("txHash", pos.txHash());
        payload.put("blockNumber", pos.blockNumber());
        payload.put("count", b.count().toString());
        payload.put("totalNet", b.totalNet().toString());
        payload.put("totalFee", b.totalFee().toString());
        List<String> ids = batches.settled(b.batchId().longValue(), pos.blockNumber(), pos.txHash(), ACTOR, payload);
        if (ids.isEmpty() && !batches.exists(b.batchId().longValue())) {
            discrepancies.open(new Discrepancies.New(Discrepancies.Kind.UNKNOWN_BATCH, null, b.batchId().longValue(), null, pos.txHash(),
                    pos.blockNumber(), pos.blockHash(), pos.logIndex(), "no local batch has chain batch id " + b.batchId()), ACTOR);
        }
    }

    private static Discrepancies.New discrepancy(String kind, EscrowEvents.PayoutSettled p, String cashoutId, String detail) {
        var pos = p.position();
        return new Discrepancies.New(Discrepancies.Kind.valueOf(kind), longOrNull(p.payoutId()), longOrNull(p.batchId()),
                cashoutId, pos.txHash(), pos.blockNumber(), pos.blockHash(), pos.logIndex(), detail);
    }

    /** A JSON-RPC quantity (0x-prefixed hex) that fits a long; IllegalStateException otherwise. */
    static long quantity(String hex) {
        if (hex == null || !hex.startsWith("0x") || hex.length() < 3 || hex.length() > 18 || Character.digit(hex.charAt(2), 16) < 0) {
            throw new IllegalStateException("not a JSON-RPC quantity: " + hex);
        }
        try {
            return Long.parseLong(hex, 2, hex.length(), 16);
        } catch (NumberFormatException e) {
            throw new IllegalStateException("not a JSON-RPC quantity: " + hex, e);
        }
    }

    private static Long longOrNull(BigInteger v) {
        return v.bitLength() > 62 ? null : v.longValue();
    }

    // ---------------------------------------------------------------- cursor and reorgs

    long cursor() {
        Db.update(ds, "INSERT INTO reconcile_cursor (name, next_block) VALUES (?, ?) ON CONFLICT DO NOTHING", CURSOR, chainConfig.startBlock());
        return Db.scalar(ds, "SELECT next_block FROM reconcile_cursor WHERE name = ?", CURSOR);
    }

    /** Returns the fork block (last canonical block) when a reorg was found and undone, else -1. */
    long checkReorg(Leases.Lease lease, Web3j web3j) {
        List<ReorgDetector.StoredBlock> stored = QuarkusTransaction.requiringNew().call(() -> Db.query(ds,
                "SELECT block_number, block_hash FROM reconcile_blocks ORDER BY block_number DESC LIMIT ?",
                rs -> new ReorgDetector.StoredBlock(rs.getLong(1), rs.getString(2)), cfg.reorgWindowBlocks()));
        OptionalLong last = ReorgDetector.lastCanonical(stored, n -> blockHash(web3j, n), cfg.reorgWindowBlocks());
        if (last.isEmpty()) return -1;
        long fork = last.getAsLong();
        QuarkusTransaction.requiringNew().run(() -> {
            leases.check(lease);
            undoAbove(fork);
        });
        return fork;
    }

    /** Undoes everything reconciled above {@code forkBlock}: in the lock order, the cursor, the cash-outs, the batches. */
    void undoAbove(long forkBlock) {
        Db.query(ds, "SELECT next_block FROM reconcile_cursor WHERE name = ? FOR UPDATE", rs -> 1, CURSOR);
        int removedLogs = Db.update(ds, "DELETE FROM chain_logs WHERE block_number > ?", forkBlock);
        // what the store had settled on the abandoned fork: each a REORGED_SETTLEMENT (never silently forgotten)
        List<Discrepancies.New> reorged = Db.query(ds, "SELECT id, payout_id, tx_hash, block_number, block_hash, log_index FROM cashouts "
                        + "WHERE block_number > ? AND status IN ('CONFIRMED', 'SETTLED') ORDER BY id",
                rs -> new Discrepancies.New(Discrepancies.Kind.REORGED_SETTLEMENT, (Long) rs.getObject(2, Long.class), null, rs.getString(1),
                        rs.getString(3), rs.getLong(4), rs.getString(5), (Integer) rs.getObject(6, Integer.class),
                        "settled at block " + rs.getLong(4) + " (" + rs.getString(5) + "), which a reorg below block " + (forkBlock + 1)
                                + " removed; back to SUBMITTED"), forkBlock);
        List<CashoutStore.Reverted> reverted = cashouts.revertAbove(forkBlock, ACTOR);
        discrepancies.openAll(reorged, ACTOR);
        batches.unsettleAbove(forkBlock);
        Db.update(ds, "DELETE FROM reconcile_blocks WHERE block_number > ?", forkBlock);
        Db.update(ds, "UPDATE reconcile_cursor SET next_block = LEAST(next_block, ?), updated_at = now() WHERE name = ?", forkBlock + 1, CURSOR);
        audit.append(ACTOR, "chain.reorg", "block:" + forkBlock, Map.of("forkBlock", forkBlock, "removedLogs", removedLogs,
                "cashoutsReverted", reverted.size()));
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
