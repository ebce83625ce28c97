package io.microsettle.security;

import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.lang.JoseException;

import java.security.PrivateKey;
import java.util.List;
import java.util.UUID;

/**
 * Mints RS256 bearer tokens (plain Java, jose4j): {@code sub}, {@code upn}, {@code groups}, {@code iss},
 * {@code aud}, {@code iat}, {@code exp}, and a {@code kid} header when one is given.
 */
public final class JwtMinter {
    public static final long MAX_TTL_SECONDS = 366L * 24 * 3600;
    /** The audience the service expects by default ({@code mp.jwt.verify.audiences}). */
    public static final String AUDIENCE = "microsettle";

    private JwtMinter() {}

    public static String mint(PrivateKey key, String issuer, String subject, List<String> roles, long ttlSeconds) {
        return mint(key, null, issuer, AUDIENCE, subject, roles, ttlSeconds);
    }

    /** As above, with a {@code kid} header (null: none) and an audience. */
    public static String mint(PrivateKey key, String kid, String issuer, String audience, String subject, List<String> roles,
                              long ttlSeconds) {
        if (subject == null || subject.isBlank() || subject.length() > 128) {
            throw new IllegalArgumentException("subject must be 1..128 characters");
        }
        if (ttlSeconds < 1 || ttlSeconds > MAX_TTL_SECONDS) {
            throw new IllegalArgumentException("ttlSeconds must be between 1 and " + MAX_TTL_SECONDS);
        }
        for (String role : roles) {
            if (!Roles.ALL.contains(role)) throw new IllegalArgumentException("unknown role " + role);
        }
        JwtClaims claims = new JwtClaims();
        claims.setIssuer(issuer);
        claims.setSubject(subject);
        claims.setAudience(audience);
        claims.setClaim("upn", subject);
        claims.setStringListClaim("groups", roles);
        claims.setIssuedAtToNow();
        NumericDate exp = NumericDate.now();
        exp.addSeconds(ttlSeconds);
        claims.setExpirationTime(exp);
        claims.setJwtId(UUID.randomUUID().toString());
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setKey(key);
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
        jws.setHeader("typ", "JWT");
        if (kid != null) jws.setKeyIdHeaderValue(kid);
        try {
            return jws.getCompactSerialization();
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }
}
