package io.microsettle.testsupport;

import org.jose4j.jwk.PublicJsonWebKey;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.lang.JoseException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Signs verification tokens as the test's trusted verifier (ES256). */
public final class TestVerifier {
    private TestVerifier() {}

    public record Claims(String issuer, String subject, String wallet, String level, long iatOffsetSeconds,
                         long expOffsetSeconds, String kid) {
        public Claims withIssuer(String v) { return new Claims(v, subject, wallet, level, iatOffsetSeconds, expOffsetSeconds, kid); }
        public Claims withSubject(String v) { return new Claims(issuer, v, wallet, level, iatOffsetSeconds, expOffsetSeconds, kid); }
        public Claims withKid(String v) { return new Claims(issuer, subject, wallet, level, iatOffsetSeconds, expOffsetSeconds, v); }
        public Claims withExpOffset(long v) { return new Claims(issuer, subject, wallet, level, iatOffsetSeconds, v, kid); }
        public Claims withIat(long v) { return new Claims(issuer, subject, wallet, level, v, expOffsetSeconds, kid); }
        public Claims withLevel(String v) { return new Claims(issuer, subject, wallet, v, iatOffsetSeconds, expOffsetSeconds, kid); }
    }

    public static Claims claims(String subject, String wallet) {
        return new Claims(EmbeddedPostgresResource.VERIFIER_ISSUER, subject, wallet, "FULL", 0, 600,
                EmbeddedPostgresResource.VERIFIER_KID);
    }

    public static String token(String subject, String wallet) {
        return sign(claims(subject, wallet));
    }

    public static String sign(Claims c) {
        return sign(c, privateKey());
    }

    public static String sign(Claims c, PublicJsonWebKey key) {
        return sign(c, key, "ES256");
    }

    /** Signs with the given key and algorithm (ES256, or EdDSA for an Ed25519 key). */
    public static String sign(Claims c, PublicJsonWebKey key, String alg) {
        JwtClaims claims = new JwtClaims();
        claims.setIssuer(c.issuer());
        claims.setSubject(c.subject());
        claims.setClaim("wallet", c.wallet());
        claims.setClaim("level", c.level());
        NumericDate iat = NumericDate.now();
        iat.addSeconds(c.iatOffsetSeconds());
        claims.setIssuedAt(iat);
        NumericDate exp = NumericDate.now();
        exp.addSeconds(c.expOffsetSeconds());
        claims.setExpirationTime(exp);
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setKey(key.getPrivateKey());
        jws.setKeyIdHeaderValue(c.kid());
        jws.setAlgorithmHeaderValue(alg);
        try {
            return jws.getCompactSerialization();
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    public static PublicJsonWebKey privateKey() {
        try {
            String json = Files.readString(Path.of(System.getProperty(EmbeddedPostgresResource.VERIFIER_JWK_PROPERTY)));
            return PublicJsonWebKey.Factory.newPublicJwk(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

}
