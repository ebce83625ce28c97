package io.microsettle.infra;

import io.agroal.api.AgroalDataSource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The transaction boundary against real PostgreSQL failures: a lock timeout and a real deadlock are
 * retried and succeed; one that keeps failing becomes 503 busy with Retry-After, never a 500.
 */
@QuarkusTest
class TransactionsTest {
    @Inject
    AgroalDataSource ds;

    String a;
    String b;

    @BeforeEach
    void rows() {
        a = "tx-" + UUID.randomUUID();
        b = "tx-" + UUID.randomUUID();
        QuarkusTransaction.requiringNew().run(() -> {
            Db.update(ds, "CREATE TABLE IF NOT EXISTS test_locks (id text PRIMARY KEY, n int NOT NULL)");
            Db.update(ds, "INSERT INTO test_locks VALUES (?, 0), (?, 0)", a, b);
        });
    }

    @Test
    void aLockTimeoutIsRetriedUntilTheLockIsFree() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        Future<?> holder = holdRowLock(pool, a, release);
        AtomicInteger attempts = new AtomicInteger();
        int n = Transactions.write("test", () -> {
            if (attempts.incrementAndGet() == 2) release.countDown(); // the holder commits during the second attempt's wait
            Db.update(ds, "SET LOCAL lock_timeout = '200ms'");
            Db.update(ds, "UPDATE test_locks SET n = n + 10 WHERE id = ?", a);
            return (int) Db.scalar(ds, "SELECT n FROM test_locks WHERE id = ?", a);
        });
        holder.get(10, TimeUnit.SECONDS);
        pool.shutdown();
        assertThat(attempts.get()).isGreaterThanOrEqualTo(2).isLessThanOrEqualTo(TransactionRetry.MAX_ATTEMPTS);
        assertThat(n).isEqualTo(11);
    }

    /** Another transaction updates {@code row} and keeps its lock until {@code release}; returns once it holds it. */
    private Future<?> holdRowLock(ExecutorService pool, String row, CountDownLatch release) throws InterruptedException {
        CountDownLatch held = new CountDownLatch(1);
        Future<?> holder = pool.submit(() -> QuarkusTransaction.requiringNew().run(() -> {
            Db.update(ds, "UPDATE test_locks SET n = n + 1 WHERE id = ?", row);
            held.countDown();
            try {
                release.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
        return holder;
    }

    @Test
    void aRealDeadlockIsRetriedAndBothWritesLand() throws Exception {
        long deadlocksBefore = Db.scalar(ds, "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()");
        CountDownLatch bothHoldOne = new CountDownLatch(2);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        AtomicInteger attempts = new AtomicInteger();
        Future<?> first = pool.submit(() -> Transactions.write("ab", () -> crossing(a, b, bothHoldOne, attempts)));
        Future<?> second = pool.submit(() -> Transactions.write("ba", () -> crossing(b, a, bothHoldOne, attempts)));
        first.get(30, TimeUnit.SECONDS);
        second.get(30, TimeUnit.SECONDS);
        pool.shutdown();
        assertThat(Db.scalar(ds, "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")).isGreaterThan(deadlocksBefore);
        assertThat(attempts.get()).isEqualTo(3); // two first attempts, one retry of the victim
        assertThat(Db.scalar(ds, "SELECT sum(n) FROM test_locks WHERE id IN (?, ?)", a, b)).isEqualTo(4);
    }

    /** Locks {@code first}, waits until the other transaction holds its first row too, then locks {@code second}. */
    private Object crossing(String first, String second, CountDownLatch bothHoldOne, AtomicInteger attempts) throws InterruptedException {
        attempts.incrementAndGet();
        Db.update(ds, "UPDATE test_locks SET n = n + 1 WHERE id = ?", first);
        bothHoldOne.countDown();
        bothHoldOne.await(5, TimeUnit.SECONDS);
        Db.update(ds, "UPDATE test_locks SET n = n + 1 WHERE id = ?", second);
        return null;
    }

    @Test
    void aConflictThatPersistsIsA503BusyWithRetryAfter() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        Future<?> holder = holdRowLock(pool, a, release);
        AtomicInteger attempts = new AtomicInteger();
        try {
            assertThatThrownBy(() -> Transactions.write("test", () -> {
                attempts.incrementAndGet();
                Db.update(ds, "SET LOCAL lock_timeout = '100ms'");
                return Db.update(ds, "UPDATE test_locks SET n = n + 10 WHERE id = ?", a);
            })).isInstanceOfSatisfying(ApiException.class, e -> {
                assertThat(e.status()).isEqualTo(503);
                assertThat(e.code()).isEqualTo("busy");
                assertThat(e.retryAfterSeconds()).isEqualTo(TransactionRetry.RETRY_AFTER_SECONDS);
            });
            assertThat(attempts.get()).isEqualTo(TransactionRetry.MAX_ATTEMPTS);
        } finally {
            release.countDown();
            holder.get(10, TimeUnit.SECONDS);
            pool.shutdown();
        }
        assertThat(Db.scalar(ds, "SELECT n FROM test_locks WHERE id = ?", a)).isEqualTo(1);
    }

    @Test
    void otherFailuresAreNotRetried() {
        AtomicInteger attempts = new AtomicInteger();
        assertThatThrownBy(() -> Transactions.write("test", () -> {
            attempts.incrementAndGet();
            throw ApiException.conflict("quote_used", "the quote has already been used");
        })).isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo("quote_used"));
        assertThat(attempts.get()).isEqualTo(1);
    }
}
