package io.microsettle.infra;

import io.agroal.api.AgroalDataSource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * Capacities shared by all replicas and drawn on by requests without a database lock each (see
 * {@link CapacityAllowance}): each replica reserves chunks in {@code capacity_reservations} in a
 * short transaction serialised per capacity (an advisory lock; no network call inside), and hands
 * them out in memory. A reservation expires after {@code lease}: a replica that stops is
 * forgotten, and one that pauses longer than that stops handing out before the others forget it.
 */
@ApplicationScoped
public class CapacityReservations {
    /** The most capacities one replica keeps state for (the map is cleared when full). */
    static final int MAX_CAPACITIES = 100_000;
    /** The replica stops handing out this long before its reservation expires in the database. */
    static final long SAFETY_MARGIN_MILLIS = 500;
    /** Refills one take may try before it is refused as busy (the allowance raced away each time). */
    static final int MAX_REFILLS_PER_TAKE = 3;

    /** This replica (a random id per process). */
    static final String HOLDER = Replica.ID;

    @Inject
    AgroalDataSource ds;

    /** How a capacity is measured in the refill transaction, and how much to reserve at once. */
    public record Capacity(String key, long limitBaseUnits, long chunkBaseUnits, long leaseMillis, LongSupplier committedBaseUnits) {
        public Capacity {
            if (key.isEmpty() || key.length() > 200) throw new IllegalArgumentException("capacity key of 1..200 characters");
            if (chunkBaseUnits <= 0 || leaseMillis <= SAFETY_MARGIN_MILLIS) throw new IllegalArgumentException("chunk > 0, lease > margin");
        }
    }

    /** A granted amount: commit it once the request's transaction committed, give it back otherwise (once). */
    public final class Grant {
        private final State state;
        private final long amountBaseUnits;
        private final long usageAfterBaseUnits;
        private boolean done;

        Grant(State state, long amountBaseUnits, long usageAfterBaseUnits) {
            this.state = state;
            this.amountBaseUnits = amountBaseUnits;
            this.usageAfterBaseUnits = usageAfterBaseUnits;
        }

        /** An upper bound of the committed usage once this request commits. */
        public long usageAfterBaseUnits() {
            return usageAfterBaseUnits;
        }

        public void commit() {
            finish(true);
        }

        public void giveBack() {
            finish(false);
        }

        private void finish(boolean committed) {
            synchronized (state) {
                if (done) return;
                done = true;
                if (committed) state.allowance.commit(amountBaseUnits); else state.allowance.giveBack(amountBaseUnits);
            }
        }
    }

    /** Refused: the limit would be passed even with a fresh reservation. */
    public record Exhausted(long limitBaseUnits, long usageBaseUnits, long availableBaseUnits) {}

    public static final class ExhaustedException extends RuntimeException {
        private final Exhausted exhausted;

        ExhaustedException(Exhausted exhausted) {
            super("capacity exhausted: " + exhausted);
            this.exhausted = exhausted;
        }

        public Exhausted exhausted() {
            return exhausted;
        }
    }

    static final class State {
        final CapacityAllowance allowance = new CapacityAllowance();
        final ReentrantLock refill = new ReentrantLock();
        boolean refilling;
    }

    private final ConcurrentHashMap<String, State> states = new ConcurrentHashMap<>();

    /**
     * Takes {@code amount} of the capacity for a request whose own limit is {@code requestLimit}
     * (≤ the capacity's limit); throws {@link ExhaustedException} when it does not fit.
     */
    public Grant take(Capacity c, long amountBaseUnits, long requestLimitBaseUnits) {
        if (requestLimitBaseUnits > c.limitBaseUnits()) throw new IllegalArgumentException("request limit above the capacity's");
        if (states.size() >= MAX_CAPACITIES) states.clear();
        State s = states.computeIfAbsent(c.key(), k -> new State());
        boolean refreshed = false;
        for (int refills = 0; refills <= MAX_REFILLS_PER_TAKE; refills++) {
            CapacityAllowance.Take t = tryTake(s, amountBaseUnits, requestLimitBaseUnits);
            switch (t) {
                case CapacityAllowance.Granted g -> {
                    return new Grant(s, amountBaseUnits, g.usageAfterBaseUnits());
                }
                case CapacityAllowance.Refused r -> {
                    // decided on the last refill's view of the others: look again once before refusing
                    if (refreshed) throw new ExhaustedException(new Exhausted(r.limitBaseUnits(), r.usageBaseUnits(), r.availableBaseUnits()));
                    refreshed = true;
                    synchronized (s) {
                        s.allowance.expire();
                    }
                }
                case CapacityAllowance.Refill ignored -> {
                    refreshed = true;
                    if (!refill(s, c, amountBaseUnits)) {
                        CapacityAllowance a = s.allowance;
                        long usage;
                        synchronized (s) {
                            usage = a.usageBoundBaseUnits() + a.othersBaseUnits();
                        }
                        throw new ExhaustedException(new Exhausted(c.limitBaseUnits(), usage, Math.max(0, c.limitBaseUnits() - usage)));
                    }
                }
            }
        }
        throw TransactionRetry.busy(new IllegalStateException("capacity " + c.key() + " refilled " + MAX_REFILLS_PER_TAKE + " times"));
    }

    private CapacityAllowance.Take tryTake(State s, long amount, long requestLimit) {
        synchronized (s) {
            if (s.refilling) return new CapacityAllowance.Refill();
            return s.allowance.take(amount, requestLimit, System.nanoTime());
        }
    }

    /** Reserves a new chunk; false when not even {@code minimum} fits. Takes wait while it runs. */
    private boolean refill(State s, Capacity c, long minimumBaseUnits) {
        try {
            if (!s.refill.tryLock(30, TimeUnit.SECONDS)) throw TransactionRetry.busy(new IllegalStateException("refill lock"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        try {
            long outstanding;
            synchronized (s) {
                // another thread refilled while this one waited: take from that first
                if (s.allowance.covers(minimumBaseUnits, System.nanoTime())) return true;
                s.refilling = true;
                outstanding = s.allowance.outstandingBaseUnits();
            }
            long started = System.nanoTime();
            long[] seen = QuarkusTransaction.requiringNew().call(() -> reserve(c, outstanding, minimumBaseUnits));
            synchronized (s) {
                long validUntil = started + TimeUnit.MILLISECONDS.toNanos(c.leaseMillis() - SAFETY_MARGIN_MILLIS);
                s.allowance.refill(seen[0], seen[1], c.limitBaseUnits(), outstanding, c.chunkBaseUnits(), minimumBaseUnits, validUntil);
                s.refilling = false;
                return s.allowance.allowanceBaseUnits() >= minimumBaseUnits;
            }
        } catch (RuntimeException e) {
            synchronized (s) {
                s.refilling = false;
            }
            throw e;
        } finally {
            s.refill.unlock();
        }
    }

    /** In the refill transaction: the committed usage, the others' live reservations, and this replica's new row. */
    private long[] reserve(Capacity c, long outstanding, long minimum) {
        Db.query(ds, "SELECT pg_advisory_xact_lock(hashtext(?))", rs -> 1, "capacity:" + c.key());
        long committed = c.committedBaseUnits().getAsLong();
        long others = Db.scalar(ds, "SELECT coalesce(sum(reserved_base_units), 0) FROM capacity_reservations "
                + "WHERE capacity = ? AND holder <> ? AND expires_at > now()", c.key(), HOLDER);
        CapacityAllowance probe = new CapacityAllowance();
        long reserved = probe.refill(committed, others, c.limitBaseUnits(), outstanding, c.chunkBaseUnits(), minimum, 0);
        long row = reserved < 0 ? outstanding : reserved;
        Db.update(ds, "INSERT INTO capacity_reservations (capacity, holder, reserved_base_units, expires_at) "
                        + "VALUES (?, ?, ?, now() + make_interval(secs => ?)) ON CONFLICT (capacity, holder) DO UPDATE "
                        + "SET reserved_base_units = EXCLUDED.reserved_base_units, expires_at = EXCLUDED.expires_at",
                c.key(), HOLDER, row, c.leaseMillis() / 1000.0);
        return new long[] {committed, others};
    }

    /** Drops this replica's state of a capacity (its reservation expires by itself); for tests and limit changes. */
    public void forget(String key) {
        states.remove(key);
    }

    @Scheduled(identity = "capacity-reservations-purge", every = "1m", delayed = "1m",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void purgeExpired() {
        Db.update(ds, "DELETE FROM capacity_reservations WHERE expires_at < now() - interval '1 minute'");
    }
}
