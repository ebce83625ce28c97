package io.microsettle.settlement;

import io.microsettle.infra.DaemonPools;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * The settlement pass's fixed thread pools: one passes over lanes (settler keys) at once
 * ({@code microsettle.settlement.lane-workers}), one estimates and signs batches at once ({@code sign-workers},
 * shared by all lanes), one records accepted broadcasts at once (as many threads as {@code sign-workers}, so a
 * record never queues behind the estimates still running; the lane goes on while they run), one claims a lane's next
 * batches while the lane stores and sends its last ones (as many threads as {@code lane-workers}: a lane has at most
 * one claim running). A lane task waits only for sign, record and claim tasks, and
 * these wait for nothing, so the pools cannot starve each other. Threads are created on first use and stopped with
 * the service.
 */
@ApplicationScoped
public class SettlementWorkers {
    /** Who waits for the workers (in the message of an interrupted wait). */
    static final String WAITER = "the settlement pass";

    @Inject SettlementConfig cfg;

    private ExecutorService lanePool;
    private ExecutorService signPool;
    private ExecutorService recordPool;
    private ExecutorService claimPool;
    /** Pool sizes given directly (tests), else 0: from the configuration. */
    private final int laneThreads;
    private final int signThreads;

    SettlementWorkers() {
        this(0, 0);
    }

    SettlementWorkers(int laneThreads, int signThreads) {
        this.laneThreads = laneThreads;
        this.signThreads = signThreads;
    }

    /** Runs every lane task, at most {@code lane-workers} at once; their results in order. */
    <T> List<T> lanes(List<Callable<T>> tasks) {
        return all(tasks, this::lanePool);
    }

    /** Starts every sign task (at most {@code sign-workers} run at once, all lanes together); their futures in order. */
    <T> List<Future<T>> startSigns(List<Callable<T>> tasks) {
        return start(tasks, signPool());
    }

    private static <T> List<Future<T>> start(List<Callable<T>> tasks, ExecutorService pool) {
        List<Future<T>> out = new ArrayList<>(tasks.size());
        for (Callable<T> t : tasks) out.add(pool.submit(t));
        return out;
    }

    /** Starts every record task (at most {@code sign-workers} run at once, all lanes together); their futures in order. */
    <T> List<Future<T>> startRecords(List<Callable<T>> tasks) {
        return start(tasks, recordPool());
    }

    /**
     * Starts every lookup task (reads: a nonce's transactions and receipts) on the record pool, which a lane has to
     * itself once it has waited for its records, before it checks receipts; their futures in order.
     */
    <T> List<Future<T>> startLookups(List<Callable<T>> tasks) {
        return start(tasks, recordPool());
    }

    /** Starts a lane's claim (one short transaction); at most one per lane runs, so a lane's claims never queue. */
    <T> Future<T> startClaim(Callable<T> task) {
        return claimPool().submit(task);
    }

    private synchronized ExecutorService claimPool() {
        if (claimPool == null) claimPool = DaemonPools.fixed("settlement-claim", laneThreads > 0 ? laneThreads : cfg.laneWorkers());
        return claimPool;
    }

    private synchronized ExecutorService recordPool() {
        if (recordPool == null) recordPool = DaemonPools.fixed("settlement-record", signThreads > 0 ? signThreads : cfg.signWorkers());
        return recordPool;
    }

    private synchronized ExecutorService lanePool() {
        if (lanePool == null) lanePool = DaemonPools.fixed("settlement-lane", laneThreads > 0 ? laneThreads : cfg.laneWorkers());
        return lanePool;
    }

    private synchronized ExecutorService signPool() {
        if (signPool == null) signPool = DaemonPools.fixed("settlement-sign", signThreads > 0 ? signThreads : cfg.signWorkers());
        return signPool;
    }

    /**
     * Runs the tasks (one alone on the calling thread) and waits for all of them; the first task's failure (a
     * {@code RuntimeException} or {@code Error}: a crash point's too) is thrown once every task has ended.
     */
    private <T> List<T> all(List<Callable<T>> tasks, java.util.function.Supplier<ExecutorService> pool) {
        if (tasks.isEmpty()) return List.of();
        if (tasks.size() == 1) return java.util.Collections.singletonList(call(tasks.getFirst()));
        List<Future<T>> futures;
        try {
            futures = pool.get().invokeAll(tasks);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while " + WAITER + " waited for its workers", e);
        }
        List<T> out = new ArrayList<>(tasks.size());
        Throwable failure = null;
        for (Future<T> f : futures) {
            try {
                out.add(f.get());
            } catch (ExecutionException e) {
                if (failure == null) failure = e.getCause();
                out.add(null);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while " + WAITER + " waited for its workers", e);
            }
        }
        if (failure != null) throw DaemonPools.unchecked(failure);
        return out;
    }

    private static <T> T call(Callable<T> task) {
        try {
            return task.call();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    @PreDestroy
    synchronized void stop() {
        if (lanePool != null) lanePool.shutdownNow();
        if (signPool != null) signPool.shutdownNow();
        if (recordPool != null) recordPool.shutdownNow();
        if (claimPool != null) claimPool.shutdownNow();
    }
}
