package io.microsettle.account;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.util.Optional;

@ConfigMapping(prefix = "microsettle.account")
public interface AccountConfig {
    /** A JWKS file with the trusted verifier's public keys (selected by kid). Absent: verification is refused. */
    Optional<String> verifierJwks();

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
