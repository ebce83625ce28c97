package io.microsettle.cashout;

import io.agroal.api.AgroalDataSource;
import io.microsettle.audit.AuditLog;
import io.microsettle.infra.Db;
import io.microsettle.ledger.JournalEntry;
import io.microsettle.ledger.LedgerService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.microsettle.cashout.CashoutStatus.BATCHED;
import static io.microsettle.cashout.CashoutStatus.CONFIRMED;
import static io.microsettle.cashout.CashoutStatus.FAILED;
import static io.microsettle.cashout.CashoutStatus.HELD;
import static io.microsettle.cashout.CashoutStatus.QUEUED;
import static io.microsettle.cashout.CashoutStatus.REJECTED;
import static io.microsettle.cashout.CashoutStatus.REQUESTED;
import static io.microsettle.cashout.CashoutStatus.SETTLED;
import static io.microsettle.cashout.CashoutStatus.SUBMITTED;

/**
 * The one writer of the {@code cashouts} table: every lifecycle transition, single or set-based,
 * checked against {@link CashoutTransitions}, the status written from the enum, the audit event of
 * each cash-out appended, and the ledger entry that ends a hold (settle or release) posted, all in
 * the caller's transaction. Rows are locked in id order (the documented lock order: cash-outs before
 * batches and ledger balances). Settlement, reconcile and the review decisions call it.
 */
@ApplicationScoped
public class CashoutStore {
    /** The most cash-outs one set-based transition takes. */
    public static final int MAX_SET = 10_000;

    @Inject
    AgroalDataSource ds;
    @Inject
    AuditLog audit;
    @Inject
    LedgerService ledger;
    @Inject
    CashoutMetrics metrics;

    /** A new cash-out as the request made it (REQUESTED, about to be queued or held). */
    public record NewCashout(String id, String integratorId, String accountId, String quoteId, long grossBaseUnits,
                             long feeBaseUnits, long netBaseUnits, String destination, String wallet, String signature,
                             Instant createdAt) {}

    /** A cash-out's row as a transition reads it (locked). */
    public record Locked(String id, String integratorId, String accountId, CashoutStatus status, long grossBaseUnits,
                         long feeBaseUnits, long netBaseUnits, long networkFeeBaseUnits, String batchId, String txHash) {}

    /** Where the chain settled a payout (from its PayoutSettled log), and how deep it is. */
    public record Settlement(String cashoutId, long payoutId, String txHash, long blockNumber, String blockHash, int logIndex,
                             int confirmations) {}

    /** A cash-out that a reorg sent back to SUBMITTED. */
    public record Reverted(String cashoutId, CashoutStatus from, String txHash) {}

    /** REQUESTED → QUEUED or HELD: inserts the cash-out and appends its event ({@code cashout.queued} / {@code cashout.held}). */
    @Transactional(Transactional.TxType.MANDATORY)
    public void insert(NewCashout c, CashoutStatus to, String reason, String actor, Map<String, Object> payload) {
        CashoutTransitions.check(REQUESTED, to);
        Db.update(ds, "INSERT INTO cashouts (id, integrator_id, account_id, quote_id, status, gross_base_units, fee_base_units, "
                        + "net_base_units, destination, wallet, signature, reason, created_at, updated_at) "
                        + "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                c.id(), c.integratorId(), c.accountId(), c.quoteId(), to, c.grossBaseUnits(), c.feeBaseUnits(), c.netBaseUnits(),
                c.destination(), c.wallet(), c.signature(), reason, c.createdAt(), c.createdAt());
        audit.append(actor, eventType(to), c.id(), payload);
        metrics.cashoutsMoved(to, List.of(c.createdAt()));
    }

    /** A QUEUED cash-out claimed for a batch (its row locked until the claiming transaction ends). */
    public record Queued(String id, String integratorId, String accountId, String destination, long grossBaseUnits,
                         long netBaseUnits, long feeBaseUnits) {}

    /** Claims up to {@code limit} QUEUED cash-outs, oldest first, skipping those another claimer holds. */
    @Transactional(Transactional.TxType.MANDATORY)
    public List<Queued> claimQueued(int limit) {
        bounded(limit);
        return Db.query(ds, "SELECT id, integrator_id, account_id, destination, gross_base_units, net_base_units, fee_base_units "
                        + "FROM cashouts WHERE status = " + literal(QUEUED) + " ORDER BY created_at, id LIMIT ? FOR UPDATE SKIP LOCKED",
                rs -> new Queued(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5), rs.getLong(6),
                        rs.getLong(7)), limit);
    }

    /** Locks one cash-out for a decision about it. */
    @Transactional(Transactional.TxType.MANDATORY)
    public Optional<Locked> lock(String id) {
        return lockAll(List.of(id)).stream().findFirst();
    }

    /** HELD → QUEUED (approved) or REJECTED (the hold released), with the reviewer as actor. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void decideReview(Locked c, boolean approve, String actor, Map<String, Object> payload) {
        CashoutStatus to = approve ? QUEUED : REJECTED;
        move(c.id(), HELD, to, approve ? null : "rejected_in_review");
        if (!approve) ledger.postAll(List.of(JournalEntry.release(c.integratorId(), c.accountId(), c.grossBaseUnits(), c.id())));
        audit.append(actor, eventType(to), c.id(), payload);
    }

    /** QUEUED → BATCHED for a new batch: each cash-out gets its payout id; all or nothing. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void batch(String batchId, long chainBatchId, String[] cashoutIds, long[] payoutIds, String actor) {
        bounded(cashoutIds.length);
        CashoutTransitions.check(QUEUED, BATCHED);
        String[] sorted = cashoutIds.clone();
        Arrays.sort(sorted);
        Db.query(ds, "SELECT id FROM cashouts WHERE id = ANY(?) ORDER BY id FOR UPDATE", rs -> 1, (Object) sorted);
        List<Instant> created = Db.query(ds, "UPDATE cashouts c SET status = ?, batch_id = ?, payout_id = v.pid, updated_at = now() "
                        + "FROM unnest(?::text[], ?::bigint[]) AS v(id, pid) WHERE c.id = v.id AND c.status = ? RETURNING c.created_at",
                rs -> Db.instant(rs, 1), BATCHED, batchId, cashoutIds, payoutIds, QUEUED);
        int moved = created.size();
        metrics.cashoutsMoved(BATCHED, created);
        if (moved != cashoutIds.length) {
            throw new IllegalStateException("batch " + batchId + ": moved " + moved + " of " + cashoutIds.length + " cash-outs");
        }
        List<AuditLog.Entry> events = new ArrayList<>(cashoutIds.length);
        for (int i = 0; i < cashoutIds.length; i++) {
            events.add(new AuditLog.Entry("cashout.batched", cashoutIds[i], Map.of("from", QUEUED.name(), "to", BATCHED.name(),
                    "batchId", batchId, "chainBatchId", chainBatchId, "payoutId", payoutIds[i])));
        }
        audit.appendAll(actor, events);
    }

    /**
     * The batch's cash-outs that are BATCHED or SUBMITTED move to SUBMITTED with {@code txHash}
     * (a first broadcast, or a replacement); each appends {@code cashout.submitted}. Returns their ids.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public List<String> submit(String batchId, String txHash, String actor) {
        List<String> ids = new ArrayList<>();
        for (CashoutStatus from : List.of(BATCHED, SUBMITTED)) {
            CashoutTransitions.check(from, SUBMITTED);
            List<Instant> created = new ArrayList<>();
            List<String> moved = Db.query(ds, "UPDATE cashouts SET status = ?, tx_hash = ?, updated_at = now() "
                    + "WHERE id IN (SELECT id FROM cashouts WHERE batch_id = ? AND status = " + literal(from) + " ORDER BY id FOR UPDATE) "
                    + "AND (tx_hash IS DISTINCT FROM ? OR status <> ?) RETURNING id, created_at", rs -> {
                        created.add(Db.instant(rs, 2));
                        return rs.getString(1);
                    }, SUBMITTED, txHash, batchId, txHash, SUBMITTED);
            if (from == BATCHED) metrics.cashoutsMoved(SUBMITTED, created);
            List<AuditLog.Entry> events = new ArrayList<>(moved.size());
            for (String id : moved) {
                events.add(new AuditLog.Entry("cashout.submitted", id, Map.of("from", from.name(), "to", SUBMITTED.name(),
                        "txHash", txHash, "batchId", batchId)));
            }
            audit.appendAll(actor, events);
            ids.addAll(moved);
        }
        return ids;
    }

    /** The batch's SUBMITTED cash-outs FAILED (the transaction reverted); each hold released. Returns the locked rows. */
    @Transactional(Transactional.TxType.MANDATORY)
    public List<Locked> fail(String batchId, String txHash, String reason, String actor) {
        List<Locked> rows = lockAll(Db.query(ds, "SELECT id FROM cashouts WHERE batch_id = ? AND status = " + literal(SUBMITTED),
                rs -> rs.getString(1), batchId));
        if (rows.isEmpty()) return rows;
        CashoutTransitions.check(SUBMITTED, FAILED);
        String[] ids = rows.stream().map(Locked::id).toArray(String[]::new);
        metrics.cashoutsMoved(FAILED, Db.query(ds, "UPDATE cashouts SET status = ?, reason = ?, tx_hash = ?, updated_at = now() "
                + "WHERE id = ANY(?) AND status = ? RETURNING created_at", rs -> Db.instant(rs, 1), FAILED, reason, txHash, ids, SUBMITTED));
        List<JournalEntry> releases = new ArrayList<>(rows.size());
        List<AuditLog.Entry> events = new ArrayList<>(rows.size());
        for (Locked c : rows) {
            releases.add(JournalEntry.release(c.integratorId(), c.accountId(), c.grossBaseUnits(), c.id()));
            events.add(new AuditLog.Entry("cashout.failed", c.id(), Map.of("from", SUBMITTED.name(), "to", FAILED.name(),
                    "reason", reason, "txHash", txHash, "released", Long.toString(c.grossBaseUnits()))));
        }
        audit.appendAll(actor, events);
        ledger.postAll(releases); // the shared balance rows last, as in settle
        return rows;
    }

    /**
     * Payouts the chain settled (deep enough): each cash-out, SUBMITTED or BATCHED, goes CONFIRMED and
     * then SETTLED (a BATCHED one appends its {@code cashout.submitted} first), its hold becomes the payout, the fees and the network-fee pool (once: a cash-out
     * settled again after a reorg posts nothing more). Returns the ids settled; cash-outs in another
     * status are left as they are (the caller records those as discrepancies).
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public List<String> settle(List<Settlement> payouts, String actor) {
        bounded(payouts.size());
        Map<String, Settlement> byId = new LinkedHashMap<>();
        for (Settlement s : payouts) byId.put(s.cashoutId(), s);
        List<Locked> rows = lockAll(List.copyOf(byId.keySet()));
        rows.removeIf(c -> c.status() != SUBMITTED && c.status() != BATCHED);
        if (rows.isEmpty()) return List.of();
        writeSettled(rows, byId);
        java.util.Set<String> alreadyFinal = new java.util.HashSet<>(Db.query(ds, "SELECT cashout_id FROM ledger_entries WHERE cashout_id = ANY(?) "
                + "AND kind IN ('SETTLE', 'RELEASE')", rs -> rs.getString(1), (Object) ids(rows)));
        List<JournalEntry> entries = new ArrayList<>(rows.size());
        List<AuditLog.Entry> events = new ArrayList<>(rows.size() * 2);
        for (Locked c : rows) {
            boolean post = !alreadyFinal.contains(c.id());
            if (post) {
                entries.add(JournalEntry.settle(c.integratorId(), c.accountId(), c.grossBaseUnits(), c.feeBaseUnits(),
                        Math.min(Math.max(c.networkFeeBaseUnits(), 0), c.feeBaseUnits()), c.id()));
            }
            Settlement s = byId.get(c.id());
            CashoutStatus from = c.status();
            if (from == BATCHED) {
                // mined before its broadcast was recorded (a settler replaced mid-batch): still submitted once, as every cash-out is
                events.add(new AuditLog.Entry("cashout.submitted", c.id(), Map.of("from", BATCHED.name(), "to", SUBMITTED.name(),
                        "txHash", s.txHash(), "batchId", String.valueOf(c.batchId()))));
                from = SUBMITTED;
            }
            events.add(new AuditLog.Entry("cashout.confirmed", c.id(), where(s, from, CONFIRMED)));
            Map<String, Object> settled = where(s, CONFIRMED, SETTLED);
            settled.put("net", Long.toString(c.netBaseUnits()));
            settled.put("fee", Long.toString(c.feeBaseUnits()));
            settled.put("ledgerSettled", post);
            events.add(new AuditLog.Entry("cashout.settled", c.id(), settled));
        }
        // two events a cash-out: a range of more than AuditLog.MAX_BATCH / 2 payouts takes several appends (same transaction, same order)
        for (int i = 0; i < events.size(); i += AuditLog.MAX_BATCH) {
            audit.appendAll(actor, events.subList(i, Math.min(events.size(), i + AuditLog.MAX_BATCH)));
        }
        // last: the integrator's shared balance rows (which every cash-out's hold needs) are held only from here to the commit
        ledger.postAll(entries);
        return List.of(ids(rows));
    }

    private void writeSettled(List<Locked> rows, Map<String, Settlement> byId) {
        for (Locked c : rows) {
            CashoutTransitions.check(c.status(), CONFIRMED);
            CashoutTransitions.check(CONFIRMED, SETTLED);
        }
        int n = rows.size();
        String[] ids = new String[n], txs = new String[n], blockHashes = new String[n];
        Long[] blocks = new Long[n], logIndexes = new Long[n], confirmations = new Long[n];
        for (int i = 0; i < n; i++) {
            Settlement s = byId.get(rows.get(i).id());
            ids[i] = s.cashoutId();
            txs[i] = s.txHash();
            blockHashes[i] = s.blockHash();
            blocks[i] = s.blockNumber();
            logIndexes[i] = (long) s.logIndex();
            confirmations[i] = (long) s.confirmations();
        }
        Map<String, Instant> created = new LinkedHashMap<>();
        Db.query(ds, "UPDATE cashouts c SET status = ?, tx_hash = v.tx, block_number = v.b, block_hash = v.bh, "
                        + "log_index = v.li, confirmations = v.cf, settled_at = now(), updated_at = now() "
                        + "FROM unnest(?::text[], ?::text[], ?::bigint[], ?::text[], ?::bigint[], ?::bigint[]) AS v(id, tx, b, bh, li, cf) "
                        + "WHERE c.id = v.id RETURNING c.id, c.created_at",
                rs -> created.put(rs.getString(1), Db.instant(rs, 2)), SETTLED, ids, txs, blocks, blockHashes, logIndexes, confirmations);
        // a BATCHED one (mined before its broadcast was recorded) passes through SUBMITTED too, as its events say
        metrics.cashoutsMoved(SUBMITTED, rows.stream().filter(c -> c.status() == BATCHED).map(c -> created.get(c.id())).toList());
        metrics.cashoutsMoved(CONFIRMED, List.copyOf(created.values()));
        metrics.cashoutsMoved(SETTLED, List.copyOf(created.values()));
    }

    private static Map<String, Object> where(Settlement s, CashoutStatus from, CashoutStatus to) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("from", from.name());
        m.put("to", to.name());
        m.put("txHash", s.txHash());
        m.put("blockNumber", s.blockNumber());
        m.put("blockHash", s.blockHash());
        m.put("logIndex", s.logIndex());
        m.put("confirmations", s.confirmations());
        m.put("payoutId", s.payoutId());
        return m;
    }

    /**
     * A cancelled batch (its transaction's nonce was filled by a no-op that is final, or used outside
     * the service): its BATCHED and SUBMITTED cash-outs go back to the queue, without payout id, to be
     * batched again. Returns their ids.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public List<String> requeue(String batchId, String reason, String actor) {
        List<Locked> rows = lockAll(Db.query(ds, "SELECT id FROM cashouts WHERE batch_id = ? AND status IN (" + literal(BATCHED) + ", "
                + literal(SUBMITTED) + ")", rs -> rs.getString(1), batchId));
        if (rows.isEmpty()) return List.of();
        for (Locked c : rows) CashoutTransitions.check(c.status(), QUEUED);
        metrics.cashoutsMoved(QUEUED, Db.query(ds, "UPDATE cashouts SET status = ?, batch_id = NULL, payout_id = NULL, tx_hash = NULL, "
                + "updated_at = now() WHERE id = ANY(?) RETURNING created_at", rs -> Db.instant(rs, 1), QUEUED, ids(rows)));
        List<AuditLog.Entry> events = new ArrayList<>(rows.size());
        for (Locked c : rows) {
            events.add(new AuditLog.Entry("cashout.requeued", c.id(), Map.of("from", c.status().name(), "to", QUEUED.name(),
                    "batchId", batchId, "reason", reason)));
        }
        audit.appendAll(actor, events);
        return List.of(ids(rows));
    }

    /** A reorg below {@code forkBlock + 1}: CONFIRMED and SETTLED cash-outs above it go back to SUBMITTED. */
    @Transactional(Transactional.TxType.MANDATORY)
    public List<Reverted> revertAbove(long forkBlock, String actor) {
        List<Locked> rows = lockAll(Db.query(ds, "SELECT id FROM cashouts WHERE block_number > ? AND status IN (?, ?)",
                rs -> rs.getString(1), forkBlock, CONFIRMED, SETTLED));
        if (rows.isEmpty()) return List.of();
        for (Locked c : rows) CashoutTransitions.check(c.status(), SUBMITTED);
        metrics.cashoutsMoved(SUBMITTED, Db.query(ds, "UPDATE cashouts SET status = ?, block_number = NULL, block_hash = NULL, "
                + "log_index = NULL, confirmations = NULL, settled_at = NULL, updated_at = now() WHERE id = ANY(?) RETURNING created_at",
                rs -> Db.instant(rs, 1), SUBMITTED, ids(rows)));
        List<Reverted> out = new ArrayList<>(rows.size());
        List<AuditLog.Entry> events = new ArrayList<>(rows.size());
        for (Locked c : rows) {
            out.add(new Reverted(c.id(), c.status(), c.txHash()));
            // the transaction it is waiting on again (its receipt may come back on the new fork)
            Map<String, Object> payload = new LinkedHashMap<>();
            payload.put("from", c.status().name());
            payload.put("to", SUBMITTED.name());
            payload.put("forkBlock", forkBlock);
            payload.put("txHash", c.txHash());
            events.add(new AuditLog.Entry("cashout.reorged", c.id(), payload));
        }
        audit.appendAll(actor, events);
        return out;
    }

    /** Locks the cash-outs in id order (the lock order) and reads them with their quote's network fee. */
    private List<Locked> lockAll(List<String> ids) {
        bounded(ids.size());
        if (ids.isEmpty()) return new ArrayList<>();
        String[] sorted = ids.toArray(String[]::new);
        Arrays.sort(sorted);
        List<Locked> rows = Db.query(ds, "SELECT c.id, c.integrator_id, c.account_id, c.status, c.gross_base_units, c.fee_base_units, "
                        + "c.net_base_units, coalesce(q.network_fee_base_units, 0), c.batch_id, c.tx_hash FROM cashouts c "
                        + "LEFT JOIN quotes q ON q.id = c.quote_id WHERE c.id = ANY(?) ORDER BY c.id FOR UPDATE OF c",
                rs -> new Locked(rs.getString(1), rs.getString(2), rs.getString(3), CashoutStatus.valueOf(rs.getString(4)),
                        rs.getLong(5), rs.getLong(6), rs.getLong(7), rs.getLong(8), rs.getString(9), rs.getString(10)),
                (Object) sorted);
        return new ArrayList<>(rows);
    }

    private void move(String id, CashoutStatus from, CashoutStatus to, String reason) {
        CashoutTransitions.check(from, to);
        List<Instant> created = Db.query(ds, "UPDATE cashouts SET status = ?, reason = ?, updated_at = now() WHERE id = ? AND status = ? "
                + "RETURNING created_at", rs -> Db.instant(rs, 1), to, reason, id, from);
        if (created.size() != 1) throw new IllegalStateException("cash-out " + id + " was not " + from);
        metrics.cashoutsMoved(to, created);
    }

    /**
     * A status as an SQL literal (an enum name, never input): reads of open cash-outs by status use the partial
     * {@code cashouts_open_status_idx}, which a plan can only pick when it sees the status itself, not a parameter.
     */
    static String literal(CashoutStatus status) {
        return "'" + status.name() + "'";
    }

    private static String[] ids(List<Locked> rows) {
        return rows.stream().map(Locked::id).toArray(String[]::new);
    }

    private static void bounded(int n) {
        if (n > MAX_SET) throw new IllegalArgumentException("at most " + MAX_SET + " cash-outs per transition, got " + n);
    }

    /** The audit event of entering a status from a decision (request or review). */
    static String eventType(CashoutStatus to) {
        return switch (to) {
            case QUEUED -> "cashout.queued";
            case HELD -> "cashout.held";
            case REJECTED -> "cashout.rejected";
            default -> throw new IllegalArgumentException("no decision event for " + to);
        };
    }
}
