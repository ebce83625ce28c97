package io.microsettle.risk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.microsettle.audit.CanonicalJson;
import io.microsettle.infra.ApiException;
import io.microsettle.risk.rules.AnomalyVerdict;
import io.microsettle.risk.rules.HoldFinding;
import io.microsettle.risk.rules.HoldReason;
import io.agroal.api.AgroalDataSource;
import io.microsettle.infra.Db;
import io.microsettle.infra.KeysetCursor;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The review queue of held cash-outs (the one writer of cashout_reviews): a hold stores the reason
 * codes and each rule's evidence; an operator's decision is recorded here, and the cash-out feature
 * moves the cash-out (HELD → QUEUED, or REJECTED with the hold released) in the same transaction.
 */
@ApplicationScoped
public class ReviewService {
    public record Review(String cashoutId, String integratorId, String accountId, String status, long grossBaseUnits,
                        long feeBaseUnits, long netBaseUnits, String destination, List<String> reasons, JsonNode findings,
                        Instant createdAt, String decision, String decidedBy, Instant decidedAt, String note) {}

    public record Page(List<Review> data, String nextCursor) {}

    public static final int MAX_NOTE_LENGTH = 1000;

    @Inject
    AgroalDataSource ds;
    @Inject
    ObjectMapper mapper;

    /** Records the hold of a cash-out (HELD, written in this transaction) with its findings. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void open(String cashoutId, String integratorId, AnomalyVerdict.Hold hold, Instant now) {
        Db.update(ds, "INSERT INTO cashout_reviews (cashout_id, integrator_id, reasons, findings, created_at) VALUES (?, ?, ?, ?::jsonb, ?)",
                cashoutId, integratorId, reasonCodes(hold), CanonicalJson.write(findings(hold)), now);
    }

    public static String reasonCodes(AnomalyVerdict.Hold hold) {
        return String.join(",", hold.reasons().stream().map(HoldReason::code).toList());
    }

    public static List<Map<String, Object>> findings(AnomalyVerdict.Hold hold) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (HoldFinding f : hold.findings()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("reason", f.reason().code());
            m.put("evidence", new LinkedHashMap<String, Object>(f.evidence()));
            out.add(m);
        }
        return out;
    }

    static final String SELECT = "SELECT r.cashout_id, r.integrator_id, c.account_id, c.status, c.gross_base_units,"
            + " c.fee_base_units, c.net_base_units, c.destination, r.reasons, r.findings::text, r.created_at, r.decision,"
            + " r.decided_by, r.decided_at, r.note FROM cashout_reviews r JOIN cashouts c ON c.id = r.cashout_id";

    /** Pending reviews oldest first (a queue); {@code all} includes decided ones. */
    @Transactional
    public Page list(boolean all, int limit, String cursor) {
        StringBuilder sql = new StringBuilder(SELECT).append(" WHERE true");
        if (!all) sql.append(" AND r.decision IS NULL");
        List<Object> args = new ArrayList<>();
        KeysetCursor.appendPage(sql, args, cursor, "r.created_at", "r.cashout_id", limit, KeysetCursor.Order.OLDEST_FIRST);
        List<Review> rows = Db.query(ds, sql.toString(), this::review, args.toArray());
        if (rows.size() <= limit) return new Page(rows, null);
        Review last = rows.get(limit - 1);
        return new Page(rows.subList(0, limit), new KeysetCursor(last.createdAt(), last.cashoutId()).encode());
    }

    @Transactional
    public Review get(String cashoutId) {
        return Db.one(ds, SELECT + " WHERE r.cashout_id = ?", this::review, cashoutId)
                .orElseThrow(() -> ApiException.notFound("review " + cashoutId));
    }

    /**
     * Records an operator's decision on a pending review, in the caller's transaction (which holds
     * the cash-out's lock); 409 {@code review_decided} when it was decided already.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public Review recordDecision(String cashoutId, boolean approve, String actor, String note, Instant at) {
        if (note != null && note.length() > MAX_NOTE_LENGTH) {
            throw ApiException.validation("note", "at most " + MAX_NOTE_LENGTH + " characters");
        }
        Review r = get(cashoutId);
        if (r.decision() != null) {
            throw ApiException.conflict("review_decided", "the cash-out was already " + r.decision().toLowerCase() + " by " + r.decidedBy());
        }
        Db.update(ds, "UPDATE cashout_reviews SET decision = ?, decided_by = ?, decided_at = ?, note = ? WHERE cashout_id = ?",
                approve ? "APPROVED" : "REJECTED", actor, at, note, cashoutId);
        return r;
    }

    private Review review(java.sql.ResultSet rs) throws java.sql.SQLException {
        JsonNode findings;
        try {
            findings = mapper.readTree(rs.getString(10));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return new Review(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5), rs.getLong(6),
                rs.getLong(7), rs.getString(8), List.of(rs.getString(9).split(",")), findings, Db.instant(rs, 11), rs.getString(12),
                rs.getString(13), Db.instant(rs, 14), rs.getString(15));
    }
}
