package io.microsettle.cashout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.microsettle.infra.ApiException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AccountTurnsTest {

    @Test
    void requestsOfOneAccountWriteOneAtATime() throws Exception {
        assertThat(mostAtOnce(new AccountTurns(10_000, 8), n -> "acc_one")).isEqualTo(1);
    }

    @Test
    void anotherAccountDoesNotWaitAndAWaitPastTheLimitIsBusy() throws Exception {
        AccountTurns turns = new AccountTurns(200, 8);
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<String> holder = pool.submit(() -> turns.inTurn("acc_busy", () -> {
                holding.countDown();
                await(release);
                return "done";
            }));
            assertThat(holding.await(5, TimeUnit.SECONDS)).isTrue();
            String other = otherStripe("acc_busy");
            assertThat(turns.inTurn(other, () -> "free")).isEqualTo("free");
            assertThatThrownBy(() -> turns.inTurn("acc_busy", () -> "never")).isInstanceOfSatisfying(ApiException.class, e -> {
                assertThat(e.status()).isEqualTo(503);
                assertThat(e.code()).isEqualTo("busy");
                assertThat(e.getMessage()).contains("200 ms");
            });
            release.countDown();
            assertThat(holder.get(5, TimeUnit.SECONDS)).isEqualTo("done");
            assertThat(turns.inTurn("acc_busy", () -> "after")).isEqualTo("after");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aFailingWriteGivesTheTurnBack() {
        AccountTurns turns = new AccountTurns(200, 8);
        assertThatThrownBy(() -> turns.inTurn("acc_fail", () -> {
            throw new IllegalStateException("refused");
        })).hasMessage("refused");
        assertThat(turns.inTurn("acc_fail", () -> "next")).isEqualTo("next");
    }

    @Test
    void atMostTheWriteSlotsRunAtOnceAndAWaitForOnePastTheLimitIsBusy() throws Exception {
        // 16 threads on 64 accounts: without the slots more than 3 run at once (the same run with 16 slots shows it)
        assertThat(mostAtOnce(new AccountTurns(10_000, 3), n -> "acc_" + n)).isLessThanOrEqualTo(3);
        assertThat(mostAtOnce(new AccountTurns(10_000, 16), n -> "acc_" + n)).isGreaterThan(3);

        AccountTurns one = new AccountTurns(200, 1);
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService single = Executors.newSingleThreadExecutor();
        try {
            Future<String> holder = single.submit(() -> one.inTurn("acc_a", () -> {
                holding.countDown();
                await(release);
                return "done";
            }));
            assertThat(holding.await(5, TimeUnit.SECONDS)).isTrue();
            assertThatThrownBy(() -> one.inTurn(otherStripe("acc_a"), () -> "never")).isInstanceOfSatisfying(ApiException.class, e -> {
                assertThat(e.status()).isEqualTo(503);
                assertThat(e.code()).isEqualTo("busy");
            });
            release.countDown();
            assertThat(holder.get(5, TimeUnit.SECONDS)).isEqualTo("done");
            assertThat(one.inTurn(otherStripe("acc_a"), () -> "after")).as("the slot was given back").isEqualTo("after");
        } finally {
            single.shutdownNow();
        }
    }

    @Test
    void writeSlotsAreBounded() {
        assertThatThrownBy(() -> new AccountTurns(200, 0)).hasMessageContaining("max-concurrent-writes");
        assertThatThrownBy(() -> new AccountTurns(200, AccountTurns.MAX_WRITE_SLOTS + 1)).hasMessageContaining("max-concurrent-writes");
    }

    /** 64 writes of {@code accountOf(n)} from 16 threads, 5-8 ms each: the most that ran at once. */
    static int mostAtOnce(AccountTurns turns, java.util.function.IntFunction<String> accountOf) throws Exception {
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<Integer>> done = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                int n = i;
                done.add(pool.submit(() -> turns.inTurn(accountOf.apply(n), () -> {
                    most.accumulateAndGet(inside.incrementAndGet(), Math::max);
                    sleep(5 + n % 4);
                    inside.decrementAndGet();
                    return n;
                })));
            }
            for (Future<Integer> f : done) f.get(30, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        return most.get();
    }

    static String otherStripe(String account) {
        for (int i = 0; ; i++) {
            String candidate = "acc_" + i;
            if (Math.floorMod(candidate.hashCode(), AccountTurns.STRIPES) != Math.floorMod(account.hashCode(), AccountTurns.STRIPES)) {
                return candidate;
            }
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
