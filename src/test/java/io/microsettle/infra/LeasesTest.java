package io.microsettle.infra;

import io.agroal.api.AgroalDataSource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Leases on a real PostgreSQL, with another replica played by rows it would write: one holder at a
 * time, renewal keeps the fence, a takeover after expiry raises it, and a write checking a lease
 * that moved is refused; a takeover waits for a write under the lease to commit.
 */
@QuarkusTest
class LeasesTest {
    static final Duration TTL = Duration.ofSeconds(5);

    @Inject
    Leases leases;
    @Inject
    AgroalDataSource ds;

    @Test
    void oneHolderAtATimeAndRenewalKeepsTheFence() {
        String name = "test:" + UUID.randomUUID();
        Leases.Lease first = leases.acquire(name, TTL).orElseThrow();
        assertThat(first.fence()).isEqualTo(1);
        assertThat(leases.acquire(name, TTL).orElseThrow().fence()).isEqualTo(1); // renewed by the same replica
        // another replica holds it now (its row, unexpired): this one is not granted
        Db.update(ds, "UPDATE leases SET holder = 'replica_other', fence = fence + 1, expires_at = now() + interval '1 minute' WHERE name = ?", name);
        assertThat(leases.acquire(name, TTL)).isEmpty();
        assertThatThrownBy(() -> QuarkusTransaction.requiringNew().run(() -> leases.check(first))).isInstanceOf(Leases.LeaseLost.class);
    }

    @Test
    void anExpiredLeaseIsTakenOverWithAHigherFenceAndTheOldHoldersWritesAreRefused() {
        String name = "test:" + UUID.randomUUID();
        Db.update(ds, "INSERT INTO leases (name, holder, fence, expires_at, acquired_at) VALUES (?, 'replica_dead', 7, now() - interval '1 second', now())",
                name);
        Leases.Lease taken = leases.acquire(name, TTL).orElseThrow();
        assertThat(taken.fence()).isEqualTo(8);
        assertThat(taken.valid()).isTrue();
        QuarkusTransaction.requiringNew().run(() -> leases.check(taken));
        // the dead replica comes back with its old fence: refused
        Leases.Lease stale = new Leases.Lease(name, "replica_dead", 7, System.nanoTime() + 1_000_000_000L);
        assertThatThrownBy(() -> QuarkusTransaction.requiringNew().run(() -> leases.check(stale))).isInstanceOf(Leases.LeaseLost.class);
        leases.release(taken);
        assertThat(leases.holder(name).orElseThrow().expiresAt()).isBeforeOrEqualTo(java.time.Instant.now());
    }

    @Test
    void aTakeoverWaitsForAWriteUnderTheLeaseToCommit() throws Exception {
        String name = "test:" + UUID.randomUUID();
        Leases.Lease mine = leases.acquire(name, TTL).orElseThrow();
        CountDownLatch checked = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        Future<?> write = pool.submit(() -> QuarkusTransaction.requiringNew().run(() -> {
            leases.check(mine);
            checked.countDown();
            try {
                finish.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        assertThat(checked.await(10, TimeUnit.SECONDS)).isTrue();
        // another replica forces the lease over (as after an expiry): it must wait for the write's commit
        Future<Integer> takeover = pool.submit(() -> Db.update(ds,
                "UPDATE leases SET holder = 'replica_other', fence = fence + 1 WHERE name = ?", name));
        Thread.sleep(300);
        assertThat(takeover.isDone()).isFalse();
        finish.countDown();
        write.get(10, TimeUnit.SECONDS);
        assertThat(takeover.get(10, TimeUnit.SECONDS)).isEqualTo(1);
        pool.shutdown();
        Optional<Leases.Holder> now = leases.holder(name);
        assertThat(now.orElseThrow().holder()).isEqualTo("replica_other");
    }
}
