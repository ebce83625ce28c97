package io.microsettle.cashout;

import io.microsettle.infra.ApiException;
import io.microsettle.infra.TransactionRetry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Cash-out requests for one account take turns in memory before their write transaction takes a pooled connection:
 * the transaction locks the account's row first, so a second request for it could only wait there, holding a
 * connection (128 clients on one account held the whole pool while one of them waited for a balance row, and the
 * others' statements timed out: 503). Accounts share {@link #STRIPES} fair locks by hash; replicas still serialise
 * on the row. A request that waits longer than {@code microsettle.cashout.account-wait-millis} is answered 503 busy.
 */
@ApplicationScoped
public class AccountTurns {
    static final int STRIPES = 4096;

    private final ReentrantLock[] locks = new ReentrantLock[STRIPES];
    private final long waitMillis;

    @Inject
    public AccountTurns(CashoutConfig config) {
        this(config.accountWaitMillis());
    }

    AccountTurns(long waitMillis) {
        if (waitMillis < 1) throw new IllegalArgumentException("account-wait-millis must be positive");
        this.waitMillis = waitMillis;
        for (int i = 0; i < STRIPES; i++) locks[i] = new ReentrantLock(true);
    }

    /** Runs {@code work} once no other request of this replica is writing for {@code accountId} (or one sharing its stripe). */
    public <T> T inTurn(String accountId, Supplier<T> work) {
        ReentrantLock lock = locks[Math.floorMod(accountId.hashCode(), STRIPES)];
        boolean mine;
        try {
            mine = lock.tryLock(waitMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            mine = false;
        }
        if (!mine) {
            throw ApiException.unavailable("busy", "cash-outs of this account are queued longer than " + waitMillis + " ms; retry shortly",
                    TransactionRetry.RETRY_AFTER_SECONDS);
        }
        try {
            return work.get();
        } finally {
            lock.unlock();
        }
    }
}
