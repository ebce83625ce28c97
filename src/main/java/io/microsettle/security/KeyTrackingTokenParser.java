package io.microsettle.security;

import io.smallrye.jwt.auth.principal.DefaultJWTTokenParser;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.ParseException;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.consumer.JwtContext;
import org.jose4j.keys.resolvers.VerificationKeyResolver;
import org.jose4j.lang.JoseException;
import org.jose4j.lang.UnresolvableKeyException;

import java.security.Key;
import java.util.List;

/**
 * smallrye-jwt's own token parser (every check it makes, unchanged), which also tells which key a token's signature
 * verified with, and which key the configured key set gives for a token's header now, without verifying anything.
 * The key set is smallrye-jwt's (the configured key, or a JWKS read from a file or URL and re-read as smallrye-jwt
 * does); asking it for a key reads a JWKS URL only when a verification would read it too.
 */
final class KeyTrackingTokenParser extends DefaultJWTTokenParser {
    /** A token that verified, and the key whose signature check it passed (null: none was resolved). */
    record Verified(JwtContext context, Key key) {}

    private final ThreadLocal<Key> resolvedKey = new ThreadLocal<>();

    /** Verifies {@code token} exactly as smallrye-jwt does; throws its {@link ParseException} when a check fails. */
    Verified verify(String token, JWTAuthContextInfo info) throws ParseException {
        resolvedKey.remove();
        try {
            JwtContext context = parse(token, info);
            Key fixed = fixedKey(info);
            return new Verified(context, fixed != null ? fixed : resolvedKey.get());
        } finally {
            resolvedKey.remove();
        }
    }

    /** The key the key set gives for {@code token}'s header now; null when it gives none (or the token is not a JWS). */
    Key currentKey(String token, JWTAuthContextInfo info) {
        Key fixed = fixedKey(info);
        if (fixed != null) return fixed;
        try {
            JsonWebSignature jws = new JsonWebSignature();
            jws.setCompactSerialization(token);
            return super.getVerificationKeyResolver(info).resolveKey(jws, List.of());
        } catch (JoseException | RuntimeException e) {
            return null;
        }
    }

    /** A key given as an object, which smallrye-jwt verifies with before (and instead of) its key resolver. */
    private static Key fixedKey(JWTAuthContextInfo info) {
        if (info.getPublicVerificationKey() != null) return info.getPublicVerificationKey();
        return info.getSecretVerificationKey();
    }

    @Override
    protected VerificationKeyResolver getVerificationKeyResolver(JWTAuthContextInfo info) throws UnresolvableKeyException {
        VerificationKeyResolver resolver = super.getVerificationKeyResolver(info);
        return (jws, nesting) -> {
            Key key = resolver.resolveKey(jws, nesting);
            resolvedKey.set(key);
            return key;
        };
    }
}
