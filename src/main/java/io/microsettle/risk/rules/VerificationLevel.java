package io.microsettle.risk.rules;

/**
 * How well an account's owner is verified. NONE cannot cash out; BASIC and FULL come from a
 * verifier's token. Shared by the pricing rules (which price BASIC and FULL only).
 */
public enum VerificationLevel {
    NONE,
    BASIC,
    FULL
}
