package io.microsettle.cashout;

import io.microsettle.infra.ApiException;
import io.microsettle.infra.TransactionRetry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Cash-out requests for one account take turns in memory before their write transaction takes a pooled connection:
 * the transaction locks the account's row first, so a second request for it could only wait there, holding a
 * connection (128 clients on one account held the whole pool while one of them waited for a balance row, and the
 * others' statements timed out: 503). Accounts share {@link #STRIPES} fair locks by hash; replicas still serialise
 * on the row. Then, with its account's turn, a request takes one of {@code microsettle.cashout.max-concurrent-writes}
 * write slots of the replica: more cash-out transactions at once than the database has cores to run them only queue
 * on the integrator's shared balance rows, and they crowd out the credit writers. A request that waits longer than
 * {@code microsettle.cashout.account-wait-millis} in all is answered 503 busy.
 */
@ApplicationScoped
public class AccountTurns {
    static final int STRIPES = 4096;

    /** The most write slots a replica may be configured with (the connection pool is smaller still). */
    static final int MAX_WRITE_SLOTS = 1024;

    private final ReentrantLock[] locks = new ReentrantLock[STRIPES];
    private final Semaphore writeSlots;
    private final long waitMillis;

    @Inject
    public AccountTurns(CashoutConfig config) {
        this(config.accountWaitMillis(), config.maxConcurrentWrites());
    }

    AccountTurns(long waitMillis, int maxConcurrentWrites) {
        if (waitMillis < 1) throw new IllegalArgumentException("account-wait-millis must be positive");
        if (maxConcurrentWrites < 1 || maxConcurrentWrites > MAX_WRITE_SLOTS) {
            throw new IllegalArgumentException("max-concurrent-writes must be between 1 and " + MAX_WRITE_SLOTS);
        }
        this.waitMillis = waitMillis;
        this.writeSlots = new Semaphore(maxConcurrentWrites, true);
        for (int i = 0; i < STRIPES; i++) locks[i] = new ReentrantLock(true);
    }

    /**
     * Runs {@code work} once no other request of this replica is writing for {@code accountId} (or one sharing its
     * stripe) and a write slot is free.
     */
    public <T> T inTurn(String accountId, Supplier<T> work) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
        ReentrantLock lock = locks[Math.floorMod(accountId.hashCode(), STRIPES)];
        if (!acquired(() -> lock.tryLock(waitMillis, TimeUnit.MILLISECONDS))) throw busy("cash-outs of this account are");
        try {
            long leftNanos = Math.max(0, deadline - System.nanoTime());
            if (!acquired(() -> writeSlots.tryAcquire(leftNanos, TimeUnit.NANOSECONDS))) throw busy("cash-outs are");
            try {
                return work.get();
            } finally {
                writeSlots.release();
            }
        } finally {
            lock.unlock();
        }
    }

    private interface Wait {
        boolean acquire() throws InterruptedException;
    }

    private static boolean acquired(Wait wait) {
        try {
            return wait.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private ApiException busy(String what) {
        return ApiException.unavailable("busy", what + " queued longer than " + waitMillis + " ms; retry shortly",
                TransactionRetry.RETRY_AFTER_SECONDS);
    }
}
