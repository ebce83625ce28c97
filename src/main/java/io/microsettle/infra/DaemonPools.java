package io.microsettle.infra;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Fixed pools of named daemon threads for the workers' parallel steps (a pool never keeps the JVM alive), and the
 * waiting for what they run: a task's failure is thrown as it was.
 */
public final class DaemonPools {
    private DaemonPools() {}

    /** A fixed pool of {@code threads} daemon threads named {@code name-1}, {@code name-2}, …. */
    public static ExecutorService fixed(String name, int threads) {
        if (threads < 1) throw new IllegalArgumentException(name + " needs at least one thread");
        AtomicInteger n = new AtomicInteger();
        ThreadFactory factory = r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        return Executors.newFixedThreadPool(threads, factory);
    }

    /**
     * A started task's result; its failure thrown as it was (a {@code RuntimeException} or {@code Error}: a crash
     * point's too), a checked one as an {@code IllegalStateException} with its message. Interrupted: the flag is set
     * again and an {@code IllegalStateException} says that {@code waiter} was waiting.
     */
    public static <T> T await(Future<T> f, String waiter) {
        try {
            return f.get();
        } catch (ExecutionException e) {
            throw unchecked(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while " + waiter + " waited for its workers", e);
        }
    }

    /** A task's failure to throw as it was: a {@code RuntimeException} returned, an {@code Error} thrown, a checked one wrapped. */
    public static RuntimeException unchecked(Throwable failure) {
        if (failure instanceof RuntimeException r) return r;
        if (failure instanceof Error err) throw err;
        return new IllegalStateException(failure.getMessage(), failure);
    }
}
