package io.microsettle.infra;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** Fixed pools of named daemon threads for the workers' parallel steps (a pool never keeps the JVM alive). */
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
}
