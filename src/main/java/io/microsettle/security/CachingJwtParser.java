package io.microsettle.security;

import io.smallrye.jwt.auth.principal.DefaultJWTCallerPrincipal;
import io.smallrye.jwt.auth.principal.DefaultJWTParser;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;
import jakarta.annotation.Priority;
import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jose4j.jwt.consumer.JwtContext;

import javax.crypto.SecretKey;
import java.security.Key;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The bearer-token parser of the service (it replaces smallrye-jwt's {@link DefaultJWTParser} bean, which Quarkus'
 * {@code MpJwtValidator} calls for every request): a token whose signature and claims were verified recently is
 * not verified again. Verifying one costs an RS256 signature check and the JSON parsing of its claims, while an
 * integrator presents the same few tokens thousands of times.
 *
 * <p>Only {@link #parse(String)} caches; every other method is smallrye-jwt's. A token is verified by smallrye-jwt's
 * own token parser with the configuration's {@link JWTAuthContextInfo}, exactly as without the cache (issuer,
 * audience, algorithm, key, {@code exp} with the clock skew, {@code mp.jwt.verify.token.age}, required claims);
 * its refusals are never cached, so a bad token is verified, and refused, every time. A verified token is then
 * served from {@link VerifiedTokenCache} (by the SHA-256 of the token, at most {@link #MAX_ENTRIES} entries) while
 * all of this holds, else it is verified again as if it had never been seen:
 * <ul>
 *   <li>before its {@code exp} (without the clock skew, so stricter than the verifier);</li>
 *   <li>no older since its {@code iat} than {@code mp.jwt.verify.token.age}, when that is set;</li>
 *   <li>within {@link #MAX_ENTRY_LIFE_MILLIS} of its verification;</li>
 *   <li>the key set (the configured key, or the JWKS as smallrye-jwt last read it) still gives, for the token's
 *       header, the very key its signature verified with. A key withdrawn from a JWKS URL therefore stops being
 *       accepted from cached tokens as soon as smallrye-jwt has read the JWKS again (every
 *       {@code smallrye.jwt.jwks.refresh-interval}, or when an unknown {@code kid} forces a read), as it would
 *       without the cache; the entry life bounds it in any case.</li>
 * </ul>
 * A cached token skips only the signature and claims verification: what runs after authentication for every
 * request (the role check, the rate limit by subject, tenant scoping) still runs. An entry holds the token's claims
 * (smallrye-jwt keeps the raw token among them), a few kilobytes, so a full cache holds some tens of megabytes.
 * The times are the wall clock's, as smallrye-jwt's and jose4j's checks are.
 */
@Alternative
@Priority(1)
@Singleton
public class CachingJwtParser implements JWTParser {
    /** The most verified tokens remembered at once. */
    static final int MAX_ENTRIES = 10_000;
    /** The longest a verified token is served without being verified again (bounds how long a removed key lingers). */
    static final long MAX_ENTRY_LIFE_MILLIS = 60_000;

    private final JWTAuthContextInfo context;
    private final JWTParser others;
    private final KeyTrackingTokenParser tokens = new KeyTrackingTokenParser();
    private final VerifiedTokenCache cache;
    private final LongSupplier clockMillis;
    private final AtomicLong verifications = new AtomicLong();

    @Inject
    CachingJwtParser(JWTAuthContextInfo context, DefaultJWTParser others) {
        this(context, others, MAX_ENTRIES, System::currentTimeMillis);
    }

    CachingJwtParser(JWTAuthContextInfo context, JWTParser others, int maxEntries, LongSupplier clockMillis) {
        this.context = context;
        this.others = others;
        this.clockMillis = clockMillis;
        this.cache = new VerifiedTokenCache(maxEntries, clockMillis);
    }

    @Override
    public JsonWebToken parse(String token) throws ParseException {
        VerifiedTokenCache.Entry hit = cache.get(token);
        if (hit != null) {
            if (hit.key().equals(tokens.currentKey(token, context))) return hit.jwt();
            cache.remove(token);
        }
        return verifyAndRemember(token);
    }

    private JsonWebToken verifyAndRemember(String token) throws ParseException {
        long verifiedAtMillis = clockMillis.getAsLong();
        verifications.incrementAndGet();
        KeyTrackingTokenParser.Verified verified = tokens.verify(token, context);
        JwtContext jwt = verified.context();
        // as smallrye-jwt's DefaultJWTCallerPrincipalFactory makes it
        String type = jwt.getJoseObjects().get(0).getHeader("typ");
        JsonWebToken principal = new DefaultJWTCallerPrincipal(type, jwt.getJwtClaims());
        if (verified.key() != null) {
            cache.put(token, principal, verified.key(), servedUntilMillis(principal, verifiedAtMillis));
        }
        return principal;
    }

    /** The instant from which a token verified at {@code verifiedAtMillis} is verified again (0: not cached at all). */
    long servedUntilMillis(JsonWebToken jwt, long verifiedAtMillis) {
        Number exp = jwt.getClaim("exp");
        if (exp == null) return 0;
        long until = Math.min(verifiedAtMillis + MAX_ENTRY_LIFE_MILLIS, exp.longValue() * 1000);
        Long tokenAgeSeconds = context.getTokenAge();
        if (tokenAgeSeconds != null) {
            Number iat = jwt.getClaim("iat");
            if (iat == null) return 0;
            // smallrye-jwt refuses a token once now - iat > token age (seconds, no skew): serve it strictly before
            until = Math.min(until, (iat.longValue() + tokenAgeSeconds) * 1000);
        }
        return until;
    }

    /** How many tokens this parser has verified in full (misses, refusals included), for tests. */
    long verifications() {
        return verifications.get();
    }

    /** How many verified tokens are remembered now, for tests. */
    int cachedTokens() {
        return cache.size();
    }

    @Override
    public JsonWebToken parse(String token, JWTAuthContextInfo info) throws ParseException {
        return others.parse(token, info);
    }

    @Override
    public JsonWebToken verify(String token, PublicKey key) throws ParseException {
        return others.verify(token, key);
    }

    @Override
    public JsonWebToken verify(String token, SecretKey key) throws ParseException {
        return others.verify(token, key);
    }

    @Override
    public JsonWebToken verify(String token, String secret) throws ParseException {
        return others.verify(token, secret);
    }

    @Override
    public JsonWebToken decrypt(String token, PrivateKey key) throws ParseException {
        return others.decrypt(token, key);
    }

    @Override
    public JsonWebToken decrypt(String token, SecretKey key) throws ParseException {
        return others.decrypt(token, key);
    }

    @Override
    public JsonWebToken decrypt(String token, String secret) throws ParseException {
        return others.decrypt(token, secret);
    }

    @Override
    public JsonWebToken parseOnly(String token) throws ParseException {
        return others.parseOnly(token);
    }
}
