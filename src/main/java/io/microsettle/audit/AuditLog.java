package io.microsettle.audit;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/** The append-only, hash-chained audit log. */
@ApplicationScoped
public class AuditLog {
    private static final SecureRandom RANDOM = new SecureRandom();

    @Inject
    AuditConfig config;
    @Inject
    AgroalDataSource dataSource;

    /** Appends one event in the caller's transaction; serialised by a row lock on audit_head. */
    @Transactional(Transactional.TxType.MANDATORY)
    public AuditEvent append(String actor, String type, String subject, Map<String, Object> payload) {
        String payloadJson = CanonicalJson.write(payload == null ? Map.of() : payload);
        if (payloadJson.length() > config.maxPayloadChars()) {
            throw new IllegalArgumentException("audit payload exceeds " + config.maxPayloadChars() + " characters");
        }
        AuditHead head = AuditHead.findById(AuditHead.ID, LockModeType.PESSIMISTIC_WRITE);
        AuditChain.Link link = AuditChain.next(head.seq, head.hash, Instant.now(), actor, type, subject, payloadJson);
        AuditEvent e = new AuditEvent();
        e.seq = link.seq();
        e.id = "evt_" + randomId();
        e.at = link.at();
        e.actor = actor;
        e.type = type;
        e.subject = subject;
        e.payloadJson = payloadJson;
        e.prevHash = link.prevHash();
        e.hash = link.hash();
        e.persist();
        head.seq = link.seq();
        head.hash = link.hash();
        return e;
    }

    /** One event to append with {@link #appendAll}. */
    public record Entry(String type, String subject, Map<String, Object> payload) {}

    /** The largest number of events one {@link #appendAll} call takes. */
    public static final int MAX_BATCH = 10_000;

    /**
     * Appends many events in order, in the caller's transaction, under one lock of the
     * head (for set-based transitions such as a whole batch of cash-outs).
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public List<AuditEvent> appendAll(String actor, List<Entry> entries) {
        if (entries.size() > MAX_BATCH) throw new IllegalArgumentException("at most " + MAX_BATCH + " events per call");
        if (entries.isEmpty()) return List.of();
        AuditHead head = AuditHead.findById(AuditHead.ID, LockModeType.PESSIMISTIC_WRITE);
        Instant now = Instant.now();
        List<AuditEvent> out = new java.util.ArrayList<>(entries.size());
        for (Entry en : entries) {
            String payloadJson = CanonicalJson.write(en.payload() == null ? Map.of() : en.payload());
            if (payloadJson.length() > config.maxPayloadChars()) {
                throw new IllegalArgumentException("audit payload exceeds " + config.maxPayloadChars() + " characters");
            }
            AuditChain.Link link = AuditChain.next(head.seq, head.hash, now, actor, en.type(), en.subject(), payloadJson);
            AuditEvent e = new AuditEvent();
            e.seq = link.seq();
            e.id = "evt_" + randomId();
            e.at = link.at();
            e.actor = actor;
            e.type = en.type();
            e.subject = en.subject();
            e.payloadJson = payloadJson;
            e.prevHash = link.prevHash();
            e.hash = link.hash();
            e.persist();
            head.seq = link.seq();
            head.hash = link.hash();
            out.add(e);
        }
        return out;
    }

    @Transactional
    public List<AuditEvent> page(long afterSeq, int limit) {
        return AuditEvent.find("seq > ?1 order by seq", afterSeq).page(0, limit).list();
    }

    /** Re-hashes the whole log, streaming it from the database in seq order. */
    @Transactional
    public AuditChain.Verification verify() {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT seq, at, actor, type, subject, payload_json, prev_hash, hash FROM audit_events ORDER BY seq")) {
            ps.setFetchSize(config.verifyFetchSize());
            try (ResultSet rs = ps.executeQuery()) {
                return AuditChain.verify(new ResultSetLinks(rs));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not read the audit log", e);
        }
    }

    static String randomId() {
        byte[] b = new byte[12];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static final class ResultSetLinks implements Iterator<AuditChain.Link> {
        private final ResultSet rs;
        private Boolean hasNext;

        ResultSetLinks(ResultSet rs) { this.rs = rs; }

        @Override
        public boolean hasNext() {
            if (hasNext == null) {
                try {
                    hasNext = rs.next();
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            }
            return hasNext;
        }

        @Override
        public AuditChain.Link next() {
            if (!hasNext()) throw new NoSuchElementException();
            hasNext = null;
            try {
                return new AuditChain.Link(rs.getLong(1), rs.getObject(2, java.time.OffsetDateTime.class).toInstant(),
                        rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8));
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
