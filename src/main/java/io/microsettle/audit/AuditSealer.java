package io.microsettle.audit;

import io.agroal.api.AgroalDataSource;
import io.microsettle.infra.Db;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Links committed events of {@code audit_pending} into the hash chain: in one short transaction,
 * locks the head (one sealer at a time across replicas), takes the oldest pending events (by
 * insertion id, at most {@code seal-batch-size}), gives them the next seqs and their hashes, inserts
 * them into {@code audit_events}, deletes them from {@code audit_pending} and moves the head.
 * A committed event is never skipped: the pending rows of a transaction become visible together at
 * its commit, and whatever is visible is sealed in id order. Runs on its own thread, woken by local
 * commits and polling for other replicas' every {@code seal-interval-millis}.
 */
@ApplicationScoped
public class AuditSealer {
    private static final Logger LOG = Logger.getLogger(AuditSealer.class);

    @Inject
    AgroalDataSource ds;
    @Inject
    AuditConfig config;
    @Inject
    AuditTree tree;

    private final Semaphore wake = new Semaphore(0);
    private volatile boolean running;
    private Thread thread;

    record SealedHead(long seq, String hash, long treeSize) {}

    record Pending(long id, String eventId, Instant at, String actor, String type, String subject, String payloadJson) {}

    /**
     * Seals one batch; returns how many events it linked (or added to the Merkle tree, while the tree
     * catches up with a log sealed before it existed). The events and their tree nodes commit together.
     */
    public int sealOnce() {
        return QuarkusTransaction.requiringNew().call(() -> {
            SealedHead head = Db.one(ds, "SELECT seq, hash, tree_size FROM audit_head WHERE id = 1 FOR UPDATE",
                    rs -> new SealedHead(rs.getLong(1), rs.getString(2), rs.getLong(3))).orElseThrow();
            int grown = 0;
            if (head.treeSize() < head.seq()) {
                grown = growTree(head);
                if (head.treeSize() + grown < head.seq()) return grown;
            }
            List<Pending> pending = Db.query(ds, "SELECT id, event_id, at, actor, type, subject, payload_json FROM audit_pending "
                            + "ORDER BY id LIMIT ?",
                    rs -> new Pending(rs.getLong(1), rs.getString(2), Db.instant(rs, 3), rs.getString(4), rs.getString(5),
                            rs.getString(6), rs.getString(7)), config.sealBatchSize());
            if (pending.isEmpty()) return grown;
            List<AuditChain.Link> links = link(new AuditChain.Head(head.seq(), head.hash()), pending);
            tree.append(head.seq(), links);
            AuditChain.Link last = links.getLast();
            Db.update(ds, "UPDATE audit_head SET seq = ?, hash = ?, tree_size = ? WHERE id = 1", last.seq(), last.hash(), last.seq());
            return pending.size() + grown;
        });
    }

    /** Adds already sealed events (at most a batch) to the tree; for a log sealed before the tree existed. */
    private int growTree(SealedHead head) {
        long to = Math.min(head.seq(), head.treeSize() + config.sealBatchSize());
        List<AuditChain.Link> links = Db.query(ds, "SELECT seq, at, actor, type, subject, payload_json, prev_hash, hash FROM audit_events "
                        + "WHERE seq > ? AND seq <= ? ORDER BY seq",
                rs -> new AuditChain.Link(rs.getLong(1), Db.instant(rs, 2), rs.getString(3), rs.getString(4), rs.getString(5),
                        rs.getString(6), rs.getString(7), rs.getString(8)), head.treeSize(), to);
        if (links.size() != to - head.treeSize()) {
            throw new IllegalStateException("audit events " + (head.treeSize() + 1) + ".." + to + " are not all stored: cannot build the tree");
        }
        tree.append(head.treeSize(), links);
        Db.update(ds, "UPDATE audit_head SET tree_size = ? WHERE id = 1", to);
        return links.size();
    }

    /** Seals until nothing committed is pending (at most {@code rounds} batches); for tests and shutdown. */
    public int sealAll(int rounds) {
        int total = 0;
        for (int i = 0; i < rounds; i++) {
            int n = sealOnce();
            total += n;
            if (n < config.sealBatchSize()) break;
        }
        return total;
    }

    private List<AuditChain.Link> link(AuditChain.Head head, List<Pending> pending) {
        List<AuditChain.Link> links = new java.util.ArrayList<>(pending.size());
        int n = pending.size();
        long[] seqs = new long[n];
        long[] pendingIds = new long[n];
        String[] ids = new String[n], ats = new String[n], actors = new String[n], types = new String[n], subjects = new String[n];
        String[] payloads = new String[n], prevHashes = new String[n], hashes = new String[n];
        long seq = head.seq();
        String prev = head.hash();
        for (int i = 0; i < n; i++) {
            Pending p = pending.get(i);
            AuditChain.Link l = AuditChain.next(seq, prev, p.at(), p.actor(), p.type(), p.subject(), p.payloadJson());
            links.add(l);
            seqs[i] = l.seq();
            pendingIds[i] = p.id();
            ids[i] = p.eventId();
            ats[i] = l.at().toString();
            actors[i] = p.actor();
            types[i] = p.type();
            subjects[i] = p.subject();
            payloads[i] = p.payloadJson();
            prevHashes[i] = l.prevHash();
            hashes[i] = l.hash();
            seq = l.seq();
            prev = l.hash();
        }
        Db.update(ds, "INSERT INTO audit_events (seq, id, at, actor, type, subject, payload_json, prev_hash, hash) "
                        + "SELECT * FROM unnest(?::bigint[], ?::text[], (?::text[])::timestamptz[], ?::text[], ?::text[], ?::text[], "
                        + "?::text[], ?::text[], ?::text[])",
                seqs, ids, ats, actors, types, subjects, payloads, prevHashes, hashes);
        int deleted = Db.update(ds, "DELETE FROM audit_pending WHERE id = ANY(?)", pendingIds);
        if (deleted != n) throw new IllegalStateException("sealed " + n + " pending events but deleted " + deleted);
        return links;
    }

    /** Asks the sealer thread to run now (called after a local commit that appended events). */
    public void wake() {
        if (wake.availablePermits() == 0) wake.release();
    }

    void start(@Observes StartupEvent ev) {
        if (!config.sealerEnabled()) return;
        running = true;
        thread = Thread.ofPlatform().daemon().name("audit-sealer").start(this::loop);
    }

    void stop(@Observes ShutdownEvent ev) {
        running = false;
        if (thread != null) {
            wake.release();
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void loop() {
        long failures = 0;
        while (running) {
            try {
                int sealed = sealOnce();
                failures = 0;
                if (sealed < config.sealBatchSize()) {
                    wake.tryAcquire(config.sealIntervalMillis(), TimeUnit.MILLISECONDS);
                    wake.drainPermits();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                // the database is away or the service is stopping: back off, bounded, and try again
                failures++;
                if (running) LOG.warnf("audit sealer: %s (attempt %d)", e.getMessage(), failures);
                sleepQuietly(Math.min(config.sealIntervalMillis() * (1L << Math.min(failures, 6)), 5_000));
            }
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
