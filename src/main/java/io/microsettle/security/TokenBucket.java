package io.microsettle.security;

/**
 * A token bucket (plain Java; time comes from the caller, in nanoseconds, so tests drive the
 * clock): holds up to {@code capacity} tokens, refills {@code perSecond} tokens a second, and each
 * request takes one. A refused request learns how many whole seconds to wait.
 */
public final class TokenBucket {
    /** The outcome of one request: allowed (with the tokens left) or refused (with the wait). */
    public record Decision(boolean allowed, long remaining, long retryAfterSeconds) {}

    private final double capacity;
    private final double perNano;
    private double tokens;
    private long last;

    public TokenBucket(long capacity, double perSecond, long nowNanos) {
        if (capacity < 1) throw new IllegalArgumentException("capacity must be at least 1");
        if (!(perSecond > 0) || Double.isInfinite(perSecond)) throw new IllegalArgumentException("perSecond must be > 0");
        this.capacity = capacity;
        this.perNano = perSecond / 1e9;
        this.tokens = capacity;
        this.last = nowNanos;
    }

    public synchronized Decision take(long nowNanos) {
        long elapsed = nowNanos - last;
        if (elapsed > 0) {
            tokens = Math.min(capacity, tokens + elapsed * perNano);
            last = nowNanos;
        }
        if (tokens >= 1) {
            tokens -= 1;
            return new Decision(true, (long) Math.floor(tokens), 0);
        }
        double waitNanos = (1 - tokens) / perNano;
        return new Decision(false, 0, Math.max(1, (long) Math.ceil(waitNanos / 1e9)));
    }

    /** True when the bucket would be full at {@code nowNanos} (an idle caller; its bucket may be dropped). */
    public synchronized boolean fullAt(long nowNanos) {
        return tokens + Math.max(0, nowNanos - last) * perNano >= capacity;
    }
}
