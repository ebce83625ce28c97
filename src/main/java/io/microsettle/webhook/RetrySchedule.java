package io.microsettle.webhook;

import java.time.Duration;
import java.time.Instant;

/**
 * When a failed delivery is tried again (plain Java): exponential backoff from {@code baseMillis},
 * doubling per attempt, capped at {@code maxDelayMillis}, minus up to 10 % jitter (so the cap stays
 * a cap and receivers that failed together are not retried in lock step). A delivery gives up
 * (FAILED) when the next attempt would fall beyond {@code window} after the event's creation, or
 * after {@code maxAttempts} attempts.
 */
public record RetrySchedule(long baseMillis, long maxDelayMillis, Duration window, int maxAttempts) {
    /** The share of a delay that jitter may take off. */
    public static final double JITTER_FRACTION = 0.10;

    public RetrySchedule {
        if (baseMillis < 1) throw new IllegalArgumentException("baseMillis must be positive");
        if (maxDelayMillis < baseMillis) throw new IllegalArgumentException("maxDelayMillis must be at least baseMillis");
        if (window.isNegative() || window.isZero()) throw new IllegalArgumentException("window must be positive");
        if (maxAttempts < 1) throw new IllegalArgumentException("maxAttempts must be at least 1");
    }

    /** What follows a failed attempt. */
    public sealed interface Next permits Retry, GiveUp {}

    public record Retry(Instant at) implements Next {}

    public record GiveUp(String reason) implements Next {}

    /** The delay after the {@code attemptsMade}-th failed attempt (1-based), {@code jitter01} in [0, 1). */
    public long delayMillis(int attemptsMade, double jitter01) {
        if (attemptsMade < 1) throw new IllegalArgumentException("attemptsMade starts at 1");
        if (jitter01 < 0 || jitter01 >= 1) throw new IllegalArgumentException("jitter01 must be in [0, 1)");
        long delay = baseMillis;
        for (int i = 1; i < attemptsMade && delay < maxDelayMillis; i++) delay = delay > maxDelayMillis / 2 ? maxDelayMillis : delay * 2;
        delay = Math.min(delay, maxDelayMillis);
        return delay - (long) (delay * JITTER_FRACTION * jitter01);
    }

    /** After the {@code attemptsMade}-th attempt failed at {@code now}: retry at a time, or give up. */
    public Next afterFailure(int attemptsMade, Instant now, Instant eventCreatedAt, double jitter01) {
        if (attemptsMade >= maxAttempts) return new GiveUp("gave up after " + attemptsMade + " attempts");
        Instant next = now.plusMillis(delayMillis(attemptsMade, jitter01));
        Instant end = eventCreatedAt.plus(window);
        if (next.isAfter(end)) return new GiveUp("gave up: the next attempt would fall after the retry window ("
                + window + " after the event) ended at " + end);
        return new Retry(next);
    }
}
