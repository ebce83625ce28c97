package io.microsettle.settlement;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Where one lane's settlement pass spends its time: per named step, how often it ran and its summed duration (steps
 * run on several threads at once sum to more than the pass's wall time). Logged at DEBUG after each pass that did
 * something; thread-safe, bounded by the fixed set of step names.
 */
final class PassSteps {
    private record Step(int count, long nanos) {}

    private volatile long startedNanos = System.nanoTime();
    private final Map<String, Step> steps = new LinkedHashMap<>();

    /** The lane's pass starts now (its wall time is counted from here). */
    void start() {
        startedNanos = System.nanoTime();
    }

    /** Runs {@code work} and adds its duration to {@code step}. */
    <T> T time(String step, Supplier<T> work) {
        long t0 = System.nanoTime();
        try {
            return work.get();
        } finally {
            add(step, System.nanoTime() - t0);
        }
    }

    void time(String step, Runnable work) {
        time(step, () -> {
            work.run();
            return null;
        });
    }

    synchronized void add(String step, long nanos) {
        steps.merge(step, new Step(1, nanos), (a, b) -> new Step(a.count() + b.count(), a.nanos() + b.nanos()));
    }

    /** "pass 812 ms: counts 2× 6 ms, fees 1× 3 ms, …" */
    synchronized String summary() {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "pass %d ms:", (System.nanoTime() - startedNanos) / 1_000_000));
        steps.forEach((name, s) -> sb.append(String.format(Locale.ROOT, " %s %d× %d ms,", name, s.count(), s.nanos() / 1_000_000)));
        sb.setLength(sb.length() - 1);
        return sb.toString();
    }
}
