package io.microsettle.audit;

import io.agroal.api.AgroalDataSource;
import io.microsettle.infra.Db;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Synchronization;
import jakarta.transaction.Status;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.Transactional;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The append-only, hash-chained audit log. An append inserts the event into {@code audit_pending}
 * in the caller's transaction (so it commits or rolls back with the change it records) and takes
 * no lock that other appends wait for; {@link AuditSealer} links committed events into the chain.
 */
@ApplicationScoped
public class AuditLog {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Object WAKE_SEALER = new Object();

    /** The largest number of events one {@link #appendAll} call takes. */
    public static final int MAX_BATCH = 10_000;

    /** One event to append with {@link #appendAll}. */
    public record Entry(String type, String subject, Map<String, Object> payload) {}

    @Inject
    AuditConfig config;
    @Inject
    AgroalDataSource dataSource;
    @Inject
    AuditSealer sealer;
    @Inject
    TransactionSynchronizationRegistry transactions;

    /** Appends one event in the caller's transaction; returns its id ({@code evt_…}). */
    @Transactional(Transactional.TxType.MANDATORY)
    public String append(String actor, String type, String subject, Map<String, Object> payload) {
        return appendAll(actor, List.of(new Entry(type, subject, payload))).getFirst();
    }

    /** Appends events in this order, in the caller's transaction, with one statement; returns their ids. */
    @Transactional(Transactional.TxType.MANDATORY)
    public List<String> appendAll(String actor, List<Entry> entries) {
        if (entries.size() > MAX_BATCH) throw new IllegalArgumentException("at most " + MAX_BATCH + " events per call");
        if (entries.isEmpty()) return List.of();
        int n = entries.size();
        String[] ids = new String[n];
        String[] types = new String[n];
        String[] subjects = new String[n];
        String[] payloads = new String[n];
        for (int i = 0; i < n; i++) {
            Entry e = entries.get(i);
            String payloadJson = CanonicalJson.write(e.payload() == null ? Map.of() : e.payload());
            if (payloadJson.length() > config.maxPayloadChars()) {
                throw new IllegalArgumentException("audit payload exceeds " + config.maxPayloadChars() + " characters");
            }
            ids[i] = "evt_" + randomId();
            types[i] = e.type();
            subjects[i] = e.subject();
            payloads[i] = payloadJson;
        }
        Instant at = AuditChain.truncate(Instant.now());
        // WITH ORDINALITY keeps the given order in the bigserial ids (the order the sealer links them in)
        Db.update(dataSource, "INSERT INTO audit_pending (event_id, at, actor, type, subject, payload_json) "
                        + "SELECT i, ?, ?, t, s, p FROM unnest(?::text[], ?::text[], ?::text[], ?::text[]) WITH ORDINALITY "
                        + "AS u(i, t, s, p, n) ORDER BY n",
                at, actor, ids, types, subjects, payloads);
        wakeSealerAfterCommit();
        return List.of(ids);
    }

    /** The sealer links new events at once instead of at its next poll. */
    private void wakeSealerAfterCommit() {
        if (transactions.getResource(WAKE_SEALER) != null) return;
        transactions.putResource(WAKE_SEALER, Boolean.TRUE);
        transactions.registerInterposedSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {}

            @Override
            public void afterCompletion(int status) {
                if (status == Status.STATUS_COMMITTED) sealer.wake();
            }
        });
    }

    /** The last sealed seq (the head row). */
    public long headSeq() {
        return Db.scalar(dataSource, "SELECT seq FROM audit_head WHERE id = 1");
    }

    @Transactional
    public List<AuditEvent> page(long afterSeq, int limit) {
        return AuditEvent.find("seq > ?1 order by seq", afterSeq).page(0, limit).list();
    }

    /**
     * Re-hashes the whole sealed log, streaming it from the database in seq order, and checks that
     * it ends at the head the sealer recorded (a log cut at its tail fails there).
     */
    @Transactional
    public AuditChain.Verification verify() {
        AuditChain.Head head = Db.one(dataSource, "SELECT seq, hash FROM audit_head",
                rs -> new AuditChain.Head(rs.getLong(1), rs.getString(2))).orElseThrow();
        AuditChain.Verifier verifier = new AuditChain.Verifier();
        Db.forEach(dataSource, "SELECT seq, at, actor, type, subject, payload_json, prev_hash, hash FROM audit_events ORDER BY seq",
                config.verifyFetchSize(), rs -> verifier.accept(new AuditChain.Link(rs.getLong(1), Db.instant(rs, 2), rs.getString(3),
                        rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8))));
        return verifier.result(head);
    }

    static String randomId() {
        byte[] b = new byte[12];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
