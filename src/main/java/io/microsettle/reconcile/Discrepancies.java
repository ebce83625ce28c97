package io.microsettle.reconcile;

import io.agroal.api.AgroalDataSource;
import io.microsettle.audit.AuditLog;
import io.microsettle.infra.ApiException;
import io.microsettle.infra.Db;
import io.microsettle.infra.KeysetCursor;
import io.microsettle.infra.WriteTransaction;
import io.microsettle.security.IdempotentResponse;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * The discrepancies table (owned by reconcile): what the chain and the store disagree on. Each
 * disagreement is recorded once (unique by kind and log, or by kind, cash-out and transaction when no
 * log is behind it) and, when new, appends {@code discrepancy.opened} in the same transaction (the
 * webhook of that name to operators' endpoints). Nothing is fixed here: an operator
 * acknowledges one with a note ({@code discrepancy.acknowledged}, audited).
 */
@ApplicationScoped
public class Discrepancies {
    private static final Logger LOG = Logger.getLogger(Discrepancies.class);
    public static final String OPENED = "discrepancy.opened";
    public static final String ACKNOWLEDGED = "discrepancy.acknowledged";
    public static final int MAX_NOTE_LENGTH = 2000;
    static final String ID_PREFIX = "dsc_";
    private static final Pattern ID = Pattern.compile("dsc_[1-9][0-9]{0,17}");

    /** What is recorded. Kinds from the matcher ({@link PayoutMatcher.Kind}) and the follower's own. */
    public enum Kind {
        UNKNOWN_PAYOUT, BATCH_MISMATCH, PAYEE_MISMATCH, AMOUNT_MISMATCH, FEE_MISMATCH, DUPLICATE_SETTLEMENT, UNEXPECTED_STATUS,
        UNKNOWN_BATCH, STALE_SUBMISSION, REORGED_SETTLEMENT;

        /** A query filter: refused with 400 validation_failed naming {@code kind}. */
        public static Kind param(String s) {
            for (Kind k : values()) if (k.name().equals(s)) return k;
            throw ApiException.validation("kind", "must be one of " + List.of(values()));
        }
    }

    public enum State {
        OPEN, ACKNOWLEDGED;

        public static State param(String s) {
            for (State k : values()) if (k.name().equals(s)) return k;
            throw ApiException.validation("state", "must be one of " + List.of(values()));
        }
    }

    /** A new disagreement: where on chain (any of it may be null when no log is behind it) and what the store has. */
    public record New(Kind kind, Long payoutId, Long chainBatchId, String cashoutId, String txHash, Long blockNumber, String blockHash,
                      Integer logIndex, String detail) {}

    public record Discrepancy(String id, Kind kind, State state, Long payoutId, Long chainBatchId, String cashoutId, String integratorId,
                              String txHash, Long blockNumber, String blockHash, Integer logIndex, String detail, Instant createdAt,
                              String acknowledgedBy, Instant acknowledgedAt, String note) {}

    public record Page(List<Discrepancy> data, String nextCursor) {}

    @Inject AgroalDataSource ds;
    @Inject AuditLog audit;
    @Inject IdempotentResponse response;

    /** The most discrepancies one {@link #openAll} statement takes (a larger list takes several, in order). */
    static final int MAX_SET = 5_000;

    /**
     * Records {@code d} in the caller's transaction unless it is recorded already; when new, appends
     * {@code discrepancy.opened} (subject {@code discrepancy:<id>}). Returns whether it was new.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean open(New d, String actor) {
        return openAll(List.of(d), actor) == 1;
    }

    /**
     * As {@link #open} for each of {@code list} in its order, set-based: one insert (ids in list order, the
     * cash-outs' integrators joined in) and one audit append per {@link #MAX_SET}, not a statement per row.
     * A discrepancy recorded already, or earlier in the list, is skipped. Returns how many were new.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public int openAll(List<New> list, String actor) {
        int opened = 0;
        for (int i = 0; i < list.size(); i += MAX_SET) opened += insertAll(list.subList(i, Math.min(list.size(), i + MAX_SET)), actor);
        return opened;
    }

    private int insertAll(List<New> list, String actor) {
        if (list.isEmpty()) return 0;
        int n = list.size();
        String[] kinds = new String[n], cashouts = new String[n], txs = new String[n], blockHashes = new String[n], details = new String[n];
        Long[] payouts = new Long[n], batches = new Long[n], blocks = new Long[n], logIndexes = new Long[n];
        for (int i = 0; i < n; i++) {
            New d = list.get(i);
            kinds[i] = d.kind().name();
            payouts[i] = d.payoutId();
            batches[i] = d.chainBatchId();
            cashouts[i] = d.cashoutId();
            txs[i] = d.txHash();
            blocks[i] = d.blockNumber();
            blockHashes[i] = d.blockHash();
            logIndexes[i] = d.logIndex() == null ? null : d.logIndex().longValue();
            details[i] = d.detail();
        }
        // ORDER BY the list position: the ids are drawn in list order, as one insert after another would draw them
        Map<String, Object[]> inserted = new HashMap<>();
        java.util.TreeMap<Long, Object[]> keyless = new java.util.TreeMap<>(); // always inserted: in list order by id
        Db.query(ds, "INSERT INTO discrepancies (kind, payout_id, chain_batch_id, cashout_id, integrator_id, tx_hash, block_number, "
                        + "block_hash, log_index, detail) SELECT u.k, u.p, u.b, u.c, c.integrator_id, u.t, u.bn, u.bh, u.li, u.d "
                        + "FROM unnest(?::text[], ?::bigint[], ?::bigint[], ?::text[], ?::text[], ?::bigint[], ?::text[], ?::int[], ?::text[]) "
                        + "WITH ORDINALITY AS u(k, p, b, c, t, bn, bh, li, d, n) LEFT JOIN cashouts c ON c.id = u.c ORDER BY u.n "
                        + "ON CONFLICT DO NOTHING RETURNING id, kind, cashout_id, tx_hash, block_hash, log_index, integrator_id",
                rs -> {
                    String key = key(rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), (Integer) rs.getObject(6, Integer.class));
                    Object[] row = {rs.getLong(1), rs.getString(7)};
                    return key == null ? keyless.put((Long) row[0], row) : inserted.put(key, row);
                },
                kinds, payouts, batches, cashouts, txs, blocks, blockHashes, logIndexes, details);
        List<AuditLog.Entry> events = new ArrayList<>(inserted.size());
        for (New d : list) {
            // the first of the list with the row's key is the one inserted (a later one conflicted with it)
            String key = key(d.kind().name(), d.cashoutId(), d.txHash(), d.blockHash(), d.logIndex());
            Object[] row = key != null ? inserted.remove(key) : keyless.isEmpty() ? null : keyless.pollFirstEntry().getValue();
            if (row == null) continue;
            String publicId = ID_PREFIX + row[0];
            String integrator = (String) row[1];
            LOG.warnf("discrepancy %s %s: %s (cash-out %s, tx %s)", publicId, d.kind(), d.detail(), d.cashoutId(), d.txHash());
            Map<String, Object> payload = new LinkedHashMap<>();
            payload.put("discrepancyId", publicId);
            payload.put("kind", d.kind().name());
            payload.put("detail", d.detail());
            if (d.cashoutId() != null) payload.put("cashoutId", d.cashoutId());
            if (d.payoutId() != null) payload.put("payoutId", d.payoutId().toString());
            if (d.chainBatchId() != null) payload.put("chainBatchId", d.chainBatchId().toString());
            if (d.txHash() != null) payload.put("txHash", d.txHash());
            if (d.blockNumber() != null) payload.put("blockNumber", d.blockNumber());
            if (d.blockHash() != null) payload.put("blockHash", d.blockHash());
            if (d.logIndex() != null) payload.put("logIndex", d.logIndex());
            if (integrator != null) payload.put("integratorId", integrator);
            events.add(new AuditLog.Entry(OPENED, "discrepancy:" + publicId, payload));
        }
        audit.appendAll(actor, events);
        return events.size();
    }

    /**
     * What makes a discrepancy a duplicate (the unique indexes): its kind and log, or with no block hash its kind, cash-out and
     * transaction; null when neither applies (NULLs are distinct: it is never a duplicate).
     */
    private static String key(String kind, String cashoutId, String txHash, String blockHash, Integer logIndex) {
        if (blockHash != null) return logIndex == null ? null : "L|" + kind + "|" + blockHash + "|" + logIndex;
        return cashoutId == null ? null : "N|" + kind + "|" + cashoutId + "|" + (txHash == null ? "" : txHash);
    }

    static final String SELECT = "SELECT id, kind, state, payout_id, chain_batch_id, cashout_id, integrator_id, tx_hash, block_number, "
            + "block_hash, log_index, detail, created_at, acknowledged_by, acknowledged_at, acknowledge_note FROM discrepancies";

    /** Newest first, filtered by kind and state (null: any). */
    @Transactional
    public Page list(Kind kind, State state, int limit, String cursor) {
        StringBuilder sql = new StringBuilder(SELECT).append(" WHERE true");
        List<Object> args = new ArrayList<>();
        if (kind != null) {
            sql.append(" AND kind = ?");
            args.add(kind.name());
        }
        if (state != null) {
            sql.append(" AND state = ?");
            args.add(state.name());
        }
        // the cursor's id part: the id zero-padded, so text order is number order
        KeysetCursor.appendPage(sql, args, cursor, "created_at", "lpad(id::text, 19, '0')", limit);
        List<Discrepancy> rows = Db.query(ds, sql.toString(), Discrepancies::row, args.toArray());
        if (rows.size() <= limit) return new Page(rows, null);
        Discrepancy last = rows.get(limit - 1);
        String padded = String.format("%019d", Long.parseLong(last.id().substring(ID_PREFIX.length())));
        return new Page(rows.subList(0, limit), new KeysetCursor(last.createdAt(), padded).encode());
    }

    @Transactional
    public Discrepancy get(String id) {
        return Db.one(ds, SELECT + " WHERE id = ?", Discrepancies::row, number(id))
                .orElseThrow(() -> ApiException.notFound("discrepancy " + id));
    }

    /**
     * An operator acknowledges an open discrepancy with a note (audited in the same transaction); 409
     * {@code discrepancy_acknowledged} when it was acknowledged already (naming by whom and when).
     * Nothing on chain or in the store is changed: it stays listed, as ACKNOWLEDGED.
     */
    @WriteTransaction
    public Discrepancy acknowledge(String id, String actor, String note) {
        if (note == null || note.isBlank()) throw ApiException.validation("note", "is required");
        if (note.length() > MAX_NOTE_LENGTH) throw ApiException.validation("note", "at most " + MAX_NOTE_LENGTH + " characters");
        long n = number(id);
        response.claimInTransaction();
        Discrepancy d = Db.one(ds, SELECT + " WHERE id = ? FOR UPDATE", Discrepancies::row, n)
                .orElseThrow(() -> ApiException.notFound("discrepancy " + id));
        if (d.state() == State.ACKNOWLEDGED) {
            throw ApiException.conflict("discrepancy_acknowledged", "discrepancy " + id + " was already acknowledged by "
                    + d.acknowledgedBy() + " at " + d.acknowledgedAt());
        }
        Db.update(ds, "UPDATE discrepancies SET state = 'ACKNOWLEDGED', acknowledged_by = ?, acknowledged_at = now(), "
                + "acknowledge_note = ? WHERE id = ?", actor, note, n);
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("discrepancyId", d.id());
        payload.put("kind", d.kind().name());
        payload.put("note", note);
        if (d.cashoutId() != null) payload.put("cashoutId", d.cashoutId());
        if (d.txHash() != null) payload.put("txHash", d.txHash());
        audit.append(actor, ACKNOWLEDGED, "discrepancy:" + d.id(), payload);
        Discrepancy acknowledged = Db.one(ds, SELECT + " WHERE id = ?", Discrepancies::row, n).orElseThrow();
        response.storeInTransaction(200, () -> DiscrepancyResource.DiscrepancyView.of(acknowledged));
        return acknowledged;
    }

    /** A path id: {@code dsc_<n>}, else 404 (there is no such discrepancy). */
    static long number(String id) {
        if (id == null || !ID.matcher(id).matches()) throw ApiException.notFound("discrepancy " + shorten(id));
        return Long.parseLong(id.substring(ID_PREFIX.length()));
    }

    private static String shorten(String s) {
        return s == null ? "" : s.length() <= 64 ? s : s.substring(0, 64) + "…";
    }

    private static Discrepancy row(ResultSet rs) throws SQLException {
        return new Discrepancy(ID_PREFIX + rs.getLong(1), Kind.valueOf(rs.getString(2)), State.valueOf(rs.getString(3)),
                (Long) rs.getObject(4, Long.class), (Long) rs.getObject(5, Long.class), rs.getString(6), rs.getString(7), rs.getString(8),
                (Long) rs.getObject(9, Long.class), rs.getString(10), (Integer) rs.getObject(11, Integer.class), rs.getString(12),
                Db.instant(rs, 13), rs.getString(14), Db.instant(rs, 15), rs.getString(16));
    }
}
