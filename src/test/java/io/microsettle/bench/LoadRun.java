package io.microsettle.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.IntFunction;

/**
 * N workers (platform threads, each one connection) take the next task index until {@code count} tasks were
 * taken, the time is up or {@code stop} says so; a task is one request. The replies stay at their task's index
 * (null where no worker took it), so a phase can map them back to its inputs. A task that throws stops the run and
 * the exception is rethrown (setup steps fail that way; measured requests never throw, their failures are replies).
 */
final class LoadRun {
    /** Longest a worker may take beyond the deadline before the run is abandoned (a request's own timeout is 60 s). */
    static final long JOIN_GRACE_MILLIS = 120_000;

    private LoadRun() {}

    /** What one run did: the replies by task index, and the wall time from the first request to the last answer. */
    record Result(LoadClient.Reply[] replies, double seconds) {
        List<LoadClient.Reply> answered() {
            return Arrays.stream(replies).filter(Objects::nonNull).toList();
        }

        Stats stats() {
            return Stats.of(answered(), seconds);
        }
    }

    /** Requests, rate, latency percentiles (ms, nearest rank) and the count of each outcome. */
    record Stats(int requests, double seconds, double p50, double p95, double p99, double max, Map<String, Integer> outcomes) {
        static Stats of(List<LoadClient.Reply> replies, double seconds) {
            long[] micros = replies.stream().mapToLong(LoadClient.Reply::latencyMicros).sorted().toArray();
            Map<String, Integer> outcomes = new TreeMap<>();
            for (LoadClient.Reply r : replies) outcomes.merge(r.outcome(), 1, Integer::sum);
            return new Stats(micros.length, seconds, percentile(micros, 50), percentile(micros, 95), percentile(micros, 99),
                    percentile(micros, 100), outcomes);
        }

        double perSecond(double unitsPerRequest) {
            return seconds <= 0 ? 0 : requests * unitsPerRequest / seconds;
        }

        /** Answers with a 5xx status, or none at all. */
        int serverErrors() {
            return outcomes.entrySet().stream().filter(e -> e.getKey().startsWith("5") || e.getKey().startsWith("io"))
                    .mapToInt(Map.Entry::getValue).sum();
        }

        int count(String outcome) {
            return outcomes.getOrDefault(outcome, 0);
        }
    }

    static double percentile(long[] ascendingMicros, int percentile) {
        if (ascendingMicros.length == 0) return 0;
        int rank = (int) Math.ceil(percentile / 100.0 * ascendingMicros.length);
        return ascendingMicros[Math.max(0, rank - 1)] / 1000.0;
    }

    static Result run(int workers, int count, long maxMillis, IntFunction<LoadClient.Reply> task) {
        return run(workers, count, maxMillis, () -> false, task);
    }

    static Result run(int workers, int count, long maxMillis, BooleanSupplier stop, IntFunction<LoadClient.Reply> task) {
        if (workers < 1 || count < 0 || maxMillis < 1) throw new IllegalArgumentException("workers, count, maxMillis");
        LoadClient.Reply[] replies = new LoadClient.Reply[count];
        AtomicInteger next = new AtomicInteger();
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        long started = System.nanoTime();
        long deadline = started + maxMillis * 1_000_000;
        Runnable worker = () -> {
            int i;
            try {
                while (failure.get() == null && !stop.getAsBoolean() && System.nanoTime() < deadline
                        && (i = next.getAndIncrement()) < count) {
                    replies[i] = task.apply(i);
                }
            } catch (RuntimeException e) {
                failure.compareAndSet(null, e);
            }
        };
        List<Thread> threads = new ArrayList<>(workers);
        for (int w = 0; w < workers; w++) threads.add(Thread.ofPlatform().name("bench-client-" + w).start(worker));
        try {
            for (Thread t : threads) {
                long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000 + JOIN_GRACE_MILLIS);
                t.join(left);
                if (t.isAlive()) throw new IllegalStateException(t.getName() + " still running " + JOIN_GRACE_MILLIS + " ms after the deadline");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        if (failure.get() != null) throw failure.get();
        return new Result(replies, (System.nanoTime() - started) / 1e9);
    }
}
