package io.microsettle.security;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * One {@link TokenBucket} per caller (plain Java; the clock is injected): the default burst and
 * rate, or a per-caller override. Idle callers' full buckets are dropped when the map grows.
 */
public final class RateLimits {
    /** Burst (bucket capacity) and sustained rate for one caller. */
    public record Limit(long burst, double perSecond) {}

    static final int MAX_TRACKED = 100_000;

    private final Limit defaults;
    private final Map<String, Limit> overrides;
    private final LongSupplier nanoClock;
    private final ConcurrentHashMap<String, TokenBucket> buckets = new ConcurrentHashMap<>();

    public RateLimits(Limit defaults, Map<String, Limit> overrides, LongSupplier nanoClock) {
        this.defaults = defaults;
        this.overrides = Map.copyOf(overrides);
        this.nanoClock = nanoClock;
        new TokenBucket(defaults.burst(), defaults.perSecond(), 0);
        this.overrides.values().forEach(l -> new TokenBucket(l.burst(), l.perSecond(), 0));
    }

    public Limit limitFor(String caller) {
        return overrides.getOrDefault(caller, defaults);
    }

    public TokenBucket.Decision take(String caller) {
        long now = nanoClock.getAsLong();
        if (buckets.size() >= MAX_TRACKED) buckets.values().removeIf(b -> b.fullAt(now));
        TokenBucket bucket = buckets.computeIfAbsent(caller, c -> {
            Limit l = limitFor(c);
            return new TokenBucket(l.burst(), l.perSecond(), now);
        });
        return bucket.take(now);
    }
}
