package io.microsettle.security;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.util.Map;

@ConfigMapping(prefix = "microsettle.security")
public interface SecurityConfig {
    /** How long an Idempotency-Key is remembered, in hours (at least 24). */
    @WithDefault("24")
    long idempotencyTtlHours();

    /**
     * Seconds after which a claimed Idempotency-Key whose request never answered (its process died mid-request, so
     * its transaction rolled back) is taken over by a retry of the same request (at least 120: longer than any request
     * may run, its waits for a turn and its transaction's timeout included).
     */
    @WithDefault("300")
    long idempotencyAbandonedAfterSeconds();

    /** The longest Idempotency-Key accepted, in characters. */
    @WithDefault("255")
    int idempotencyKeyMaxLength();

    /** Rate limits per caller (token bucket). */
    RateLimit rateLimit();

    interface RateLimit {
        /** Off: no limit. */
        @WithDefault("true")
        boolean enabled();

        /** Sustained requests a second per caller (the bucket's refill rate). */
        @WithDefault("50")
        double requestsPerSecond();

        /** Requests a caller may make at once (the bucket's capacity). */
        @WithDefault("100")
        long burst();

        /** Per-caller limits by token subject, e.g. {@code ...rate-limit.overrides.acme.burst=500}. */
        Map<String, Override> overrides();
    }

    interface Override {
        double requestsPerSecond();

        long burst();
    }
}
