package io.microsettle.security;

import io.smallrye.jwt.auth.principal.DefaultJWTParser;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.ParseException;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jwk.RsaJwkGenerator;
import org.jose4j.lang.JoseException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The verified-token cache with real RS256 tokens (JwtMinter) and smallrye-jwt's real verification against a
 * JWKS with one key: a token is verified once and then served, never past its {@code exp}, its maximum age or
 * the entry life, and never when it failed; the cache stays within its bound. The clock the cache reads is the
 * test's; smallrye-jwt's own checks read the real clock.
 */
class CachingJwtParserTest {
    static final String KID = "cache-test-1";
    static final RsaJsonWebKey KEY = rsa(KID);
    static final RsaJsonWebKey STRANGER = rsa(KID);

    final AtomicLong clockMillis = new AtomicLong(System.currentTimeMillis());

    static RsaJsonWebKey rsa(String kid) {
        try {
            RsaJsonWebKey k = RsaJwkGenerator.generateJwk(2048);
            k.setKeyId(kid);
            return k;
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    /** As the service verifies, with no clock skew, and the maximum token age {@code tokenAgeSeconds} (null: none). */
    static JWTAuthContextInfo context(Long tokenAgeSeconds) {
        JWTAuthContextInfo info = new JWTAuthContextInfo();
        info.setPublicKeyContent(new JsonWebKeySet(KEY).toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY));
        info.setIssuedBy(DevKeys.DEV_ISSUER);
        info.setExpectedAudience(Set.of(JwtMinter.AUDIENCE));
        info.setClockSkew(0);
        info.setTokenAge(tokenAgeSeconds);
        return info;
    }

    CachingJwtParser parser(Long tokenAgeSeconds, int maxEntries) {
        JWTAuthContextInfo info = context(tokenAgeSeconds);
        return new CachingJwtParser(info, new DefaultJWTParser(info), maxEntries, clockMillis::get);
    }

    static String token(RsaJsonWebKey key, String sub, long ttlSeconds) {
        return JwtMinter.mint(key.getPrivateKey(), KID, DevKeys.DEV_ISSUER, JwtMinter.AUDIENCE, sub, List.of(Roles.INTEGRATOR),
                ttlSeconds);
    }

    @Test
    void theSameTokenIsVerifiedOnceAndThenServed() throws Exception {
        CachingJwtParser p = parser(null, CachingJwtParser.MAX_ENTRIES);
        String token = token(KEY, "acme", 600);
        JsonWebToken first = p.parse(token);
        assertThat(first.getSubject()).isEqualTo("acme");
        assertThat(first.getGroups()).containsExactly(Roles.INTEGRATOR);
        assertThat(p.verifications()).isEqualTo(1);
        JsonWebToken second = p.parse(token);
        assertThat(second).isSameAs(first);
        assertThat(p.verifications()).as("the second parse is served without verifying").isEqualTo(1);
        assertThat(p.cachedTokens()).isEqualTo(1);
        assertThat(p.parse(token(KEY, "acme", 600)).getSubject()).isEqualTo("acme");
        assertThat(p.verifications()).as("another token of the same subject is verified").isEqualTo(2);
    }

    @Test
    void aCachedTokenIsRefusedOnceItHasExpired() throws Exception {
        JWTAuthContextInfo info = context(null);
        CachingJwtParser p = new CachingJwtParser(info, new DefaultJWTParser(info), 10, System::currentTimeMillis);
        String token = token(KEY, "short-lived", 2);
        long expMillis = p.parse(token).getExpirationTime() * 1000;
        p.parse(token);
        assertThat(p.verifications()).isEqualTo(1);
        while (System.currentTimeMillis() < expMillis) Thread.sleep(50);
        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> p.parse(token)).isInstanceOf(ParseException.class)
                    .satisfies(e -> assertThat(AuthFailures.classify(e).code()).isEqualTo(AuthFailures.TOKEN_EXPIRED));
        }
        assertThat(p.verifications()).as("verified, and refused, at each use after its exp").isEqualTo(3);
        assertThat(p.cachedTokens()).isZero();
    }

    @Test
    void anEntryIsServedBeforeItsExpOnlyAndWithinItsLife() throws Exception {
        CachingJwtParser p = parser(null, 10);
        String token = token(KEY, "lifetime", 600);
        long exp = p.parse(token).getExpirationTime() * 1000;
        long start = clockMillis.get();
        clockMillis.set(start + CachingJwtParser.MAX_ENTRY_LIFE_MILLIS - 1);
        p.parse(token);
        assertThat(p.verifications()).as("served within the entry life").isEqualTo(1);
        clockMillis.set(start + CachingJwtParser.MAX_ENTRY_LIFE_MILLIS);
        p.parse(token);
        assertThat(p.verifications()).as("verified again at the end of the entry life").isEqualTo(2);

        clockMillis.set(exp - 1);
        p.parse(token);
        assertThat(p.verifications()).as("an entry made a moment before exp").isEqualTo(3);
        assertThat(p.cachedTokens()).isEqualTo(1);
        clockMillis.set(exp);
        p.parse(token); // the real clock is well before exp: smallrye-jwt accepts it
        assertThat(p.verifications()).as("at its exp the token is verified, not served").isEqualTo(4);
        assertThat(p.cachedTokens()).as("and nothing is kept past exp").isZero();
    }

    @Test
    void anEntryIsNotServedPastTheMaximumTokenAge() throws Exception {
        CachingJwtParser p = parser(30L, 10);
        String token = token(KEY, "aged", 600);
        long iatMillis = p.parse(token).getIssuedAtTime() * 1000;
        clockMillis.set(iatMillis + 30_000 - 1);
        p.parse(token);
        assertThat(p.verifications()).isEqualTo(1);
        clockMillis.set(iatMillis + 30_000);
        p.parse(token);
        assertThat(p.verifications()).as("verified again once the token is as old as the maximum age").isEqualTo(2);
    }

    @Test
    void aTokenThatFailsVerificationIsRefusedEveryTimeAndNotCached() throws Exception {
        CachingJwtParser p = parser(null, 10);
        String forged = token(STRANGER, "mallory", 600); // the right kid, another key
        String good = token(KEY, "victim", 600);
        String[] parts = good.split("\\.");
        String tampered = parts[0] + "." + token(KEY, "mallory", 600).split("\\.")[1] + "." + parts[2];
        p.parse(good);
        for (String bad : List.of(forged, tampered)) {
            for (int i = 0; i < 3; i++) {
                assertThatThrownBy(() -> p.parse(bad)).isInstanceOf(ParseException.class)
                        .satisfies(e -> assertThat(AuthFailures.classify(e).code()).isEqualTo(AuthFailures.INVALID_TOKEN));
            }
        }
        assertThat(p.verifications()).as("each refusal is a full verification").isEqualTo(7);
        assertThat(p.cachedTokens()).as("only the good token is remembered").isEqualTo(1);
        assertThat(p.parse(good).getSubject()).isEqualTo("victim");
        assertThat(p.verifications()).isEqualTo(7);
    }

    @Test
    void theParserStaysWithinItsBound() throws Exception {
        int max = 5;
        CachingJwtParser p = parser(null, max);
        String last = null;
        for (int i = 0; i < 3 * max; i++) {
            last = token(KEY, "bound-" + i, 600);
            p.parse(last);
            assertThat(p.cachedTokens()).isBetween(1, max);
        }
        long before = p.verifications();
        p.parse(last);
        assertThat(p.verifications()).as("the newest token is served").isEqualTo(before);
    }

    @Test
    void theCacheKeepsAtMostItsMaximumEntries() throws Exception {
        JsonWebToken jwt = parser(null, 1).parse(token(KEY, "filler", 600));
        long now = clockMillis.get();
        VerifiedTokenCache cache = new VerifiedTokenCache(CachingJwtParser.MAX_ENTRIES, clockMillis::get);
        for (int i = 0; i < CachingJwtParser.MAX_ENTRIES * 3 / 2; i++) {
            cache.put("token-" + i, jwt, KEY.getPublicKey(), now + 60_000);
            assertThat(cache.size()).isLessThanOrEqualTo(CachingJwtParser.MAX_ENTRIES);
        }
        assertThat(cache.get("token-" + (CachingJwtParser.MAX_ENTRIES * 3 / 2 - 1))).as("the newest is kept").isNotNull();
        // entries past their time are dropped first, before any live one
        VerifiedTokenCache small = new VerifiedTokenCache(4, clockMillis::get);
        small.put("old-1", jwt, KEY.getPublicKey(), now + 10);
        small.put("old-2", jwt, KEY.getPublicKey(), now + 10);
        small.put("live-1", jwt, KEY.getPublicKey(), now + 60_000);
        small.put("live-2", jwt, KEY.getPublicKey(), now + 60_000);
        clockMillis.set(now + 10);
        small.put("live-3", jwt, KEY.getPublicKey(), now + 60_000);
        assertThat(small.size()).isEqualTo(3);
        assertThat(List.of("live-1", "live-2", "live-3")).allSatisfy(t -> assertThat(small.get(t)).isNotNull());
        small.put("already-past", jwt, KEY.getPublicKey(), now + 10);
        assertThat(small.get("already-past")).isNull();
        assertThat(small.size()).isEqualTo(3);
    }
}
