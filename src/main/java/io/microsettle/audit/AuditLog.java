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
    @Inject
    ChainAnchors chainAnchors;

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

    /** What {@link #verifyAgainstChain} found, and the on-chain anchor it checked the log against (null: none yet). */
    public record Report(AuditChain.Verification verification, ChainAnchors.OnChain anchor) {}

    /** As {@link #verifyAgainstChain()}; the verification alone. */
    public AuditChain.Verification verify() {
        return verifyAgainstChain().verification();
    }

    /**
     * Re-hashes the whole sealed log, streaming it from the database in seq order, and checks it against
     * what pins its head from outside the rows: the head row the sealer recorded and the latest anchor on
     * chain (read first, with no transaction open). A log emptied or cut (even with a forged head row)
     * fails naming the missing range; one rewritten consistently (a fork) fails because its tree at the
     * anchored seq has another root, naming the first event whose leaf differs from the stored tree, or
     * else the range after the last stored anchor whose root still matches.
     */
    public Report verifyAgainstChain() {
        ChainAnchors.OnChain onChain;
        try {
            onChain = chainAnchors.latest().orElse(null);
        } catch (RuntimeException e) {
            throw new ChainAnchors.Unavailable(e.getMessage(), e);
        }
        return new Report(io.quarkus.narayana.jta.QuarkusTransaction.requiringNew().call(() -> verifyStored(onChain)), onChain);
    }

    /**
     * Re-hashes the stored log in one snapshot (REPEATABLE READ, read only: the head row, the stored anchors and every page
     * are of the same moment, so events the sealer links meanwhile are not mistaken for events past the head), streaming
     * it in keyset pages of {@code verify-fetch-size} events by the primary key. One {@code ORDER BY seq} over the whole
     * table had the planner sort it (a parallel seq scan and an external sort of the whole log before the first row came).
     */
    private AuditChain.Verification verifyStored(ChainAnchors.OnChain onChain) {
        Db.update(dataSource, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
        AuditChain.Head head = Db.one(dataSource, "SELECT seq, hash FROM audit_head",
                rs -> new AuditChain.Head(rs.getLong(1), rs.getString(2))).orElseThrow();
        java.util.TreeMap<Long, String> storedAnchors = new java.util.TreeMap<>();
        for (var a : Db.query(dataSource, "SELECT seq, root FROM audit_anchors WHERE state = 'ANCHORED' ORDER BY seq",
                rs -> Map.entry(rs.getLong(1), rs.getString(2)))) storedAnchors.put(a.getKey(), a.getValue());
        long anchoredSeq = onChain == null ? 0 : onChain.seq();
        long treeUpTo = Math.max(anchoredSeq, storedAnchors.isEmpty() ? 0 : storedAnchors.lastKey());
        AuditChain.Verifier verifier = new AuditChain.Verifier();
        MerkleFrontier tree = MerkleFrontier.empty();
        String[] rootAtAnchor = new String[1];
        long[] lastMatchingStored = new long[1];
        int page = Math.max(1, config.verifyFetchSize());
        long[] after = {0};
        boolean[] stopped = {false};
        for (int rows = page; rows == page && !stopped[0]; ) {
            int[] read = {0};
            Db.forEach(dataSource, "SELECT seq, at, actor, type, subject, payload_json, prev_hash, hash FROM audit_events "
                            + "WHERE seq > ? ORDER BY seq LIMIT ?", page, rs -> {
                        read[0]++;
                        AuditChain.Link l = new AuditChain.Link(rs.getLong(1), Db.instant(rs, 2), rs.getString(3),
                                rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8));
                        after[0] = l.seq();
                        if (!verifier.accept(l)) {
                            stopped[0] = true;
                            return false;
                        }
                        if (l.seq() > treeUpTo) return true;
                        tree.appendLeaf(MerkleTree.leafHash(verifier.lastCanonicalUtf8()));
                        if (l.seq() == anchoredSeq) rootAtAnchor[0] = HexFormat.of().formatHex(tree.root());
                        String stored = storedAnchors.get(l.seq());
                        if (stored != null && stored.equals(HexFormat.of().formatHex(tree.root()))) lastMatchingStored[0] = l.seq();
                        return true;
                    }, after[0], page);
            rows = read[0];
        }
        AuditChain.Verification links = verifier.result();
        if (!links.ok()) return links;
        long mustReach = Math.max(head.seq(), anchoredSeq);
        if (links.count() < mustReach) {
            return new AuditChain.Verification(false, links.count(), links.head(), links.count() + 1,
                    "events " + (links.count() + 1) + ".." + mustReach + " are missing (the head row is at " + head.seq()
                            + (onChain == null ? "" : ", the latest anchor on chain at " + anchoredSeq + ", block " + onChain.blockNumber()) + ")");
        }
        AuditChain.Verification v = verifier.result(head);
        if (!v.ok() || onChain == null) return v;
        if (!onChain.root().equals(rootAtAnchor[0])) {
            long firstBad = firstLeafDifferingFromStoredTree(anchoredSeq);
            if (firstBad == 0) firstBad = lastMatchingStored[0] + 1;
            return new AuditChain.Verification(false, links.count(), links.head(), firstBad,
                    "the log is not the one anchored on chain: its tree of events 1.." + anchoredSeq + " has root " + rootAtAnchor[0]
                            + ", the chain has " + onChain.root() + " (block " + onChain.blockNumber() + ", tx " + onChain.txHash()
                            + "); it differs from event " + firstBad + " on");
        }
        return v;
    }

    /** The first seq (up to {@code to}) whose leaf hash differs from the tree stored when it was sealed; 0 if none. */
    private long firstLeafDifferingFromStoredTree(long to) {
        long[] found = new long[1];
        Db.forEach(dataSource, "SELECT e.seq, e.at, e.actor, e.type, e.subject, e.payload_json, e.prev_hash, e.hash, n.hash FROM audit_events e "
                        + "LEFT JOIN audit_tree_nodes n ON n.level = 0 AND n.idx = e.seq - 1 WHERE e.seq <= ? ORDER BY e.seq",
                config.verifyFetchSize(), rs -> {
                    AuditChain.Link l = new AuditChain.Link(rs.getLong(1), Db.instant(rs, 2), rs.getString(3),
                            rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8));
                    byte[] stored = rs.getBytes(9);
                    if (stored == null || !java.util.Arrays.equals(stored, MerkleTree.auditLeafHash(l))) {
                        found[0] = l.seq();
                        return false;
                    }
                    return true;
                }, to);
        return found[0];
    }

    static String randomId() {
        byte[] b = new byte[12];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
