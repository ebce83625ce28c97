package io.microsettle.security;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

@ConfigMapping(prefix = "microsettle.security")
public interface SecurityConfig {
    /** How long an Idempotency-Key is remembered, in hours (at least 24). */
    @WithDefault("24")
    long idempotencyTtlHours();

    /** The longest Idempotency-Key accepted, in characters. */
    @WithDefault("255")
    int idempotencyKeyMaxLength();
}
