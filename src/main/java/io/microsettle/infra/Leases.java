package io.microsettle.infra;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Leases in PostgreSQL, so that exactly one replica does a job at a time (submitting for one settler
 * key, reconciling, anchoring). A lease has a holder, an expiry and a fencing number that grows each
 * time another replica takes it over. The holder renews it each pass; a replica that stops is
 * replaced once the lease expires. Every write of the job checks the lease in its own transaction
 * ({@link #check}, taking the lease row first: the lock order's step 0) and is refused if the lease
 * moved, so a replica that lost its lease (a long pause) stops before its next write; the fencing
 * number is stored with what it signs.
 */
@ApplicationScoped
public class Leases {
    /** The replica stops using a lease this long before it expires in the database. */
    static final long SAFETY_MARGIN_MILLIS = 1_000;

    @Inject
    AgroalDataSource ds;

    /** A lease held by this replica: its fencing number, and until when (this process's clock) it may act on it. */
    public record Lease(String name, String holder, long fence, long validUntilNanos) {
        public boolean valid() {
            return System.nanoTime() - validUntilNanos < 0;
        }
    }

    /** The lease has moved to another replica (or expired): the write that checked it is refused. */
    public static final class LeaseLost extends RuntimeException {
        public LeaseLost(String name, long fence) {
            super("lease " + name + " (fence " + fence + ") is no longer held by this replica");
        }
    }

    /** What the leases table says about one lease (for health checks and tests). */
    public record Holder(String name, String holder, long fence, java.time.Instant expiresAt) {}

    /**
     * Takes the lease or renews it (one autocommit statement): granted when it is free, expired, or
     * ours already; the fencing number grows when the holder changes. Empty while another replica holds it.
     */
    public Optional<Lease> acquire(String name, Duration ttl) {
        if (ttl.toMillis() <= SAFETY_MARGIN_MILLIS) throw new IllegalArgumentException("lease ttl must exceed " + SAFETY_MARGIN_MILLIS + " ms");
        long started = System.nanoTime();
        List<Long> fence = Db.query(ds, "INSERT INTO leases AS l (name, holder, fence, expires_at, acquired_at) "
                        + "VALUES (?, ?, 1, now() + make_interval(secs => ?), now()) ON CONFLICT (name) DO UPDATE "
                        + "SET fence = CASE WHEN l.holder = EXCLUDED.holder THEN l.fence ELSE l.fence + 1 END, "
                        + "acquired_at = CASE WHEN l.holder = EXCLUDED.holder THEN l.acquired_at ELSE now() END, "
                        + "holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at "
                        + "WHERE l.holder = EXCLUDED.holder OR l.expires_at < now() RETURNING fence",
                rs -> rs.getLong(1), name, Replica.ID, ttl.toMillis() / 1000.0);
        if (fence.isEmpty()) return Optional.empty();
        long validUntil = started + TimeUnit.MILLISECONDS.toNanos(ttl.toMillis() - SAFETY_MARGIN_MILLIS);
        return Optional.of(new Lease(name, Replica.ID, fence.getFirst(), validUntil));
    }

    /**
     * In a job's write transaction, first: the lease is still this replica's with the same fencing
     * number and not expired; the row is share-locked to the commit, so no takeover happens meanwhile.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void check(Lease lease) {
        boolean held = Db.one(ds, "SELECT 1 FROM leases WHERE name = ? AND holder = ? AND fence = ? AND expires_at > now() FOR SHARE",
                rs -> 1, lease.name(), lease.holder(), lease.fence()).isPresent();
        if (!held) throw new LeaseLost(lease.name(), lease.fence());
    }

    /** Gives the lease up (on shutdown), so another replica need not wait for it to expire. */
    public void release(Lease lease) {
        Db.update(ds, "UPDATE leases SET expires_at = now() WHERE name = ? AND holder = ? AND fence = ?",
                lease.name(), lease.holder(), lease.fence());
    }

    public Optional<Holder> holder(String name) {
        return Db.one(ds, "SELECT name, holder, fence, expires_at FROM leases WHERE name = ?",
                rs -> new Holder(rs.getString(1), rs.getString(2), rs.getLong(3), Db.instant(rs, 4)), name);
    }
}
