package io.microsettle.settlement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.microsettle.infra.CrashPoints;
import io.microsettle.infra.DaemonPools;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The settlement pass's bounded pools: results in task order, never more tasks at once than threads, failures after all ended. */
@Timeout(60)
class SettlementWorkersTest {
    final SettlementWorkers workers = new SettlementWorkers(2, 3);

    @AfterEach
    void stop() {
        workers.stop();
    }

    @Test
    void signTasksRunAtOnceUpToThePoolSizeAndTheirResultsComeInTaskOrder() {
        AtomicInteger running = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        CyclicBarrier three = new CyclicBarrier(3); // only passed if three tasks run together
        List<Callable<Integer>> tasks = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            int n = i;
            tasks.add(() -> {
                most.accumulateAndGet(running.incrementAndGet(), Math::max);
                try {
                    three.await(30, TimeUnit.SECONDS);
                } finally {
                    running.decrementAndGet();
                }
                return n * n;
            });
        }
        assertThat(workers.startSigns(tasks).stream().map(f -> DaemonPools.await(f, SettlementWorkers.WAITER)).toList())
                .containsExactly(0, 1, 4, 9, 16, 25, 36, 49, 64);
        assertThat(most.get()).isEqualTo(3);
    }

    @Test
    void laneTasksAreBoundedByTheLanePool() {
        AtomicInteger running = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        CyclicBarrier two = new CyclicBarrier(2);
        List<Callable<String>> tasks = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String lane = "lane" + i;
            tasks.add(() -> {
                most.accumulateAndGet(running.incrementAndGet(), Math::max);
                try {
                    two.await(30, TimeUnit.SECONDS);
                } finally {
                    running.decrementAndGet();
                }
                return lane;
            });
        }
        assertThat(workers.lanes(tasks)).containsExactly("lane0", "lane1", "lane2", "lane3");
        assertThat(most.get()).isEqualTo(2);
    }

    @Test
    void aCrashInOneLaneIsThrownOnceEveryLaneHasEnded() {
        AtomicInteger finished = new AtomicInteger();
        List<Callable<Integer>> tasks = List.of(
                () -> {
                    throw new CrashPoints.Crash("settlement.after-sign");
                },
                () -> finished.incrementAndGet(),
                () -> finished.incrementAndGet());
        assertThatThrownBy(() -> workers.lanes(tasks)).isInstanceOf(CrashPoints.Crash.class);
        assertThat(finished.get()).isEqualTo(2);
    }

    @Test
    void startedSignsAreAwaitedInOrderAndAFailureIsThrownAsItWas() {
        CyclicBarrier two = new CyclicBarrier(2);
        List<Callable<String>> tasks = List.of(() -> {
            two.await(30, TimeUnit.SECONDS);
            return "nonce 7";
        }, () -> {
            two.await(30, TimeUnit.SECONDS); // runs while the first one does
            return "nonce 8";
        }, () -> {
            throw new IllegalStateException("estimate refused");
        });
        var futures = workers.startSigns(tasks);
        assertThat(DaemonPools.await(futures.get(0), SettlementWorkers.WAITER)).isEqualTo("nonce 7");
        assertThat(DaemonPools.await(futures.get(1), SettlementWorkers.WAITER)).isEqualTo("nonce 8");
        assertThatThrownBy(() -> DaemonPools.await(futures.get(2), SettlementWorkers.WAITER)).isInstanceOf(IllegalStateException.class)
                .hasMessage("estimate refused");
    }

    @Test
    void recordsStartWithoutTheLaneWaitingAndAreAwaitedWithTheirNonces() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        RecordsInFlight inFlight = new RecordsInFlight();
        var futures = workers.startRecords(List.<Callable<Boolean>>of(() -> release.await(30, TimeUnit.SECONDS), () -> true));
        inFlight.started(new java.util.LinkedHashMap<>(java.util.Map.of(11L, 7L, 12L, 8L)), futures);
        assertThat(futures.getFirst().isDone()).isFalse(); // the lane went on while the first record runs
        assertThat(inFlight.recording(11L)).isTrue();
        assertThat(inFlight.recording(13L)).isFalse();
        assertThat(inFlight.canStartBeside(List.of(8L))).isFalse(); // a second record of nonce 8 would close the first
        assertThat(inFlight.canStartBeside(List.of(9L, 10L))).isTrue();
        release.countDown();
        assertThat(inFlight.awaitAll()).isEqualTo(2);
        assertThat(futures).allMatch(java.util.concurrent.Future::isDone);
        assertThat(inFlight.recording(11L)).isFalse();
        assertThat(inFlight.canStartBeside(List.of(8L))).isTrue();
        assertThat(inFlight.awaitAll()).isZero();
    }

    @Test
    void aClaimRunsBesideItsLaneAndTwoLanesClaimAtOnce() throws Exception {
        Thread caller = Thread.currentThread();
        CyclicBarrier twoLanes = new CyclicBarrier(2); // only passed if both lanes' claims run together
        CountDownLatch release = new CountDownLatch(1);
        var first = workers.startClaim(() -> {
            twoLanes.await(30, TimeUnit.SECONDS);
            release.await(30, TimeUnit.SECONDS);
            return Thread.currentThread() != caller;
        });
        var second = workers.startClaim(() -> {
            twoLanes.await(30, TimeUnit.SECONDS);
            return Thread.currentThread().getName();
        });
        assertThat(DaemonPools.await(second, SettlementWorkers.WAITER)).startsWith("settlement-claim");
        assertThat(first.isDone()).as("the lane goes on (stores, sends) while its claim runs").isFalse();
        release.countDown();
        assertThat(DaemonPools.await(first, SettlementWorkers.WAITER)).isTrue();
    }

    @Test
    void oneTaskRunsOnTheCallingThreadAndNoneGivesNothing() {
        Thread caller = Thread.currentThread();
        assertThat(workers.lanes(List.<Callable<Boolean>>of(() -> Thread.currentThread() == caller))).containsExactly(true);
        assertThat(workers.lanes(List.<Callable<Integer>>of())).isEmpty();
    }
}
