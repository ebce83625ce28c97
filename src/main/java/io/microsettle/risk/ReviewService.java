package io.microsettle.risk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.microsettle.audit.AuditLog;
import io.microsettle.audit.CanonicalJson;
import io.microsettle.cashout.Cashout;
import io.microsettle.cashout.CashoutStatus;
import io.microsettle.ledger.LedgerService;
import io.microsettle.infra.ApiException;
import io.microsettle.risk.rules.AnomalyVerdict;
import io.microsettle.risk.rules.HoldFinding;
import io.microsettle.risk.rules.HoldReason;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The review queue of held cash-outs: a hold stores the reason codes and each rule's evidence;
 * an operator approves (HELD → QUEUED) or rejects (HELD → REJECTED, the hold released), and
 * the decision is audited with the reviewer as the actor.
 */
@ApplicationScoped
public class ReviewService {
    public record Review(String cashoutId, String integratorId, String accountId, String status, long grossBaseUnits,
                        long feeBaseUnits, long netBaseUnits, String destination, List<String> reasons, JsonNode findings,
                        Instant createdAt, String decision, String decidedBy, Instant decidedAt, String note) {}

    public record Page(List<Review> data, String nextCursor) {}

    public static final int MAX_NOTE_LENGTH = 1000;

    @Inject
    EntityManager em;
    @Inject
    AuditLog audit;
    @Inject
    LedgerService ledger;
    @Inject
    ObjectMapper mapper;

    /** Records the hold of a cash-out (already HELD and persisted) with its findings. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void open(Cashout c, AnomalyVerdict.Hold hold, Instant now) {
        List<Map<String, Object>> findings = findings(hold);
        em.createNativeQuery("INSERT INTO cashout_reviews (cashout_id, integrator_id, reasons, findings, created_at)"
                        + " VALUES (?1, ?2, ?3, cast(?4 as jsonb), ?5)")
                .setParameter(1, c.id).setParameter(2, c.integratorId).setParameter(3, reasonCodes(hold))
                .setParameter(4, CanonicalJson.write(findings)).setParameter(5, Timestamp.from(now)).executeUpdate();
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

    /** Pending reviews oldest first (a queue); {@code all} includes decided ones. */
    @Transactional
    public Page list(boolean all, int limit, String cursor) {
        StringBuilder sql = new StringBuilder("SELECT r.cashout_id, r.integrator_id, c.account_id, c.status, c.gross_base_units,"
                + " c.fee_base_units, c.net_base_units, c.destination, r.reasons, r.findings::text, r.created_at, r.decision,"
                + " r.decided_by, r.decided_at, r.note FROM cashout_reviews r JOIN cashouts c ON c.id = r.cashout_id WHERE true");
        if (!all) sql.append(" AND r.decision IS NULL");
        Instant after = null;
        String afterId = null;
        if (cursor != null) {
            try {
                if (cursor.length() > 200) throw new IllegalArgumentException();
                String raw = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
                int colon = raw.indexOf(':');
                after = Instant.ofEpochSecond(0, Long.parseLong(raw.substring(0, colon)));
                afterId = raw.substring(colon + 1);
            } catch (RuntimeException e) {
                throw ApiException.validation("cursor", "is not a cursor this API returned");
            }
            sql.append(" AND (r.created_at, r.cashout_id) > (?1, ?2)");
        }
        sql.append(" ORDER BY r.created_at, r.cashout_id LIMIT ").append(limit + 1);
        var q = em.createNativeQuery(sql.toString());
        if (cursor != null) q.setParameter(1, Timestamp.from(after)).setParameter(2, afterId);
        @SuppressWarnings("unchecked")
        List<Object[]> rows = q.getResultList();
        List<Review> out = new ArrayList<>();
        for (Object[] r : rows) out.add(review(r));
        String next = null;
        if (out.size() > limit) {
            out = out.subList(0, limit);
            Review last = out.getLast();
            long nanos = last.createdAt().getEpochSecond() * 1_000_000_000L + last.createdAt().getNano();
            next = Base64.getUrlEncoder().withoutPadding()
                    .encodeToString((nanos + ":" + last.cashoutId()).getBytes(StandardCharsets.UTF_8));
        }
        return new Page(out, next);
    }

    @Transactional
    public Review get(String cashoutId) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("SELECT r.cashout_id, r.integrator_id, c.account_id, c.status, c.gross_base_units,"
                + " c.fee_base_units, c.net_base_units, c.destination, r.reasons, r.findings::text, r.created_at, r.decision,"
                + " r.decided_by, r.decided_at, r.note FROM cashout_reviews r JOIN cashouts c ON c.id = r.cashout_id"
                + " WHERE r.cashout_id = ?1").setParameter(1, cashoutId).getResultList();
        if (rows.isEmpty()) throw ApiException.notFound("review " + cashoutId);
        return review(rows.getFirst());
    }

    /** Approves (→ QUEUED) or rejects (→ REJECTED, hold released) a held cash-out, audited with the reviewer. */
    @Transactional
    public Review decide(String cashoutId, boolean approve, String actor, String note) {
        if (note != null && note.length() > MAX_NOTE_LENGTH) {
            throw ApiException.validation("note", "at most " + MAX_NOTE_LENGTH + " characters");
        }
        Cashout c = Cashout.findById(cashoutId, LockModeType.PESSIMISTIC_WRITE);
        if (c == null) throw ApiException.notFound("review " + cashoutId);
        Review r = get(cashoutId);
        if (r.decision() != null || c.status != CashoutStatus.HELD) {
            throw ApiException.conflict("review_decided", "the cash-out was already " + (r.decision() == null
                    ? "moved to " + c.status : r.decision().toLowerCase() + " by " + r.decidedBy()));
        }
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        String decision = approve ? "APPROVED" : "REJECTED";
        if (approve) {
            c.transition(CashoutStatus.QUEUED, now);
            c.reason = null;
        } else {
            c.transition(CashoutStatus.REJECTED, now);
            c.reason = "rejected_in_review";
            ledger.release(c.accountId, c.grossBaseUnits, c.id);
        }
        em.flush();
        em.createNativeQuery("UPDATE cashout_reviews SET decision = ?1, decided_by = ?2, decided_at = ?3, note = ?4"
                        + " WHERE cashout_id = ?5")
                .setParameter(1, decision).setParameter(2, actor).setParameter(3, Timestamp.from(now))
                .setParameter(4, note).setParameter(5, cashoutId).executeUpdate();
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("decision", decision);
        payload.put("reviewer", actor);
        payload.put("reasons", r.reasons());
        payload.put("status", c.status);
        if (!approve) payload.put("reason", c.reason);
        if (note != null) payload.put("note", note);
        payload.put("accountId", c.accountId);
        payload.put("grossBaseUnits", Long.toString(c.grossBaseUnits));
        audit.append(actor, approve ? "cashout.queued" : "cashout.rejected", c.id, payload);
        return get(cashoutId);
    }

    private Review review(Object[] r) {
        JsonNode findings;
        try {
            findings = mapper.readTree((String) r[9]);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return new Review((String) r[0], (String) r[1], (String) r[2], (String) r[3], ((Number) r[4]).longValue(),
                ((Number) r[5]).longValue(), ((Number) r[6]).longValue(), (String) r[7], List.of(((String) r[8]).split(",")),
                findings, instant(r[10]), (String) r[11], (String) r[12], r[13] == null ? null : instant(r[13]), (String) r[14]);
    }

    private static Instant instant(Object o) {
        return switch (o) {
            case Instant i -> i;
            case Timestamp t -> t.toInstant();
            case java.time.OffsetDateTime odt -> odt.toInstant();
            default -> throw new IllegalStateException("not a time: " + o.getClass());
        };
    }
}
