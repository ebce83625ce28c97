package io.microsettle.account;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.util.List;
import java.util.Optional;

@ConfigMapping(prefix = "microsettle.account")
public interface AccountConfig {
    /**
     * JWKS sources with the trusted verifier's public keys, comma-separated: file paths or http(s)
     * URLs (keys selected by kid; a rotation lists the old and the new key in one JWKS, or the old
     * and the new source). Absent: verification is refused.
     */
    Optional<List<String>> verifierJwks();

    /** How long the verifier JWKS documents are cached before they are read again, in seconds. */
    @WithDefault("300")
    long verifierJwksRefreshSeconds();

    /** A token with an unknown kid reloads the JWKS early, at most once per this many seconds. */
    @WithDefault("30")
    long verifierJwksMinRefetchSeconds();

    /** The trusted verifier's issuer ({@code iss}). */
    @WithDefault("https://verifier.example")
    String verifierIssuer();

    /** Clock skew tolerated on {@code exp} and {@code iat}, in seconds. */
    @WithDefault("60")
    long clockSkewSeconds();

    /** The longest verification token accepted, in characters. */
    @WithDefault("8192")
    int maxTokenChars();

    /** The longest externalRef, in characters. */
    @WithDefault("128")
    int maxExternalRefLength();
}
