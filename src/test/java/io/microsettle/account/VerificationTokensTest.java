package io.microsettle.account;

import org.jose4j.jwk.EcJwkGenerator;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.OctetKeyPairJsonWebKey;
import org.jose4j.jwk.OkpJwkGenerator;
import org.jose4j.jwk.PublicJsonWebKey;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.keys.EllipticCurves;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Base64;

import static io.microsettle.account.VerificationTokens.Code.*;
import static org.assertj.core.api.Assertions.assertThat;

class VerificationTokensTest {
    static final String ISS = "https://kyc.example";
    static final String WALLET = "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed";
    static PublicJsonWebKey es;
    static PublicJsonWebKey ed;
    static PublicJsonWebKey stranger;
    static VerificationTokens verifier;
    static final Instant NOW = Instant.ofEpochSecond(1_800_000_000L);

    @BeforeAll
    static void keys() throws Exception {
        es = EcJwkGenerator.generateJwk(EllipticCurves.P256);
        es.setKeyId("es-1");
        ed = OkpJwkGenerator.generateJwk(OctetKeyPairJsonWebKey.SUBTYPE_ED25519);
        ed.setKeyId("ed-1");
        stranger = EcJwkGenerator.generateJwk(EllipticCurves.P256);
        stranger.setKeyId("es-1");
        String jwks = new JsonWebKeySet(es, ed).toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY);
        verifier = new VerificationTokens(jwks, ISS, 60);
    }

    static String sign(PublicJsonWebKey key, String alg, String kid, String iss, String sub, long iat, long exp, String level)
            throws Exception {
        JwtClaims c = new JwtClaims();
        c.setIssuer(iss);
        c.setSubject(sub);
        c.setClaim("wallet", WALLET);
        c.setClaim("level", level);
        c.setIssuedAt(NumericDate.fromSeconds(iat));
        c.setExpirationTime(NumericDate.fromSeconds(exp));
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(c.toJson());
        jws.setKey(key.getPrivateKey());
        jws.setAlgorithmHeaderValue(alg);
        if (kid != null) jws.setKeyIdHeaderValue(kid);
        return jws.getCompactSerialization();
    }

    static String good(PublicJsonWebKey key, String alg) throws Exception {
        return sign(key, alg, key.getKeyId(), ISS, "user-1", NOW.getEpochSecond() - 10, NOW.getEpochSecond() + 600, "FULL");
    }

    static VerificationTokens.Code code(VerificationTokens.Outcome o) {
        assertThat(o).isInstanceOf(VerificationTokens.Refused.class);
        return ((VerificationTokens.Refused) o).code();
    }

    @Test
    void es256AndEdDsaAreAccepted() throws Exception {
        assertThat(verifier.check(good(es, "ES256"), "user-1", NOW))
                .isEqualTo(new VerificationTokens.Verified(WALLET, VerificationLevel.FULL, ISS, "es-1"));
        assertThat(verifier.check(good(ed, "EdDSA"), "user-1", NOW)).isInstanceOf(VerificationTokens.Verified.class);
    }

    @Test
    void eachRefusalHasItsCode() throws Exception {
        long t = NOW.getEpochSecond();
        assertThat(code(verifier.check(sign(es, "ES256", "es-1", ISS, "user-1", t - 700, t - 100, "FULL"), "user-1", NOW)))
                .isEqualTo(verification_expired);
        assertThat(code(verifier.check(sign(es, "ES256", "es-1", ISS, "user-1", t + 600, t + 900, "FULL"), "user-1", NOW)))
                .isEqualTo(verification_not_yet_valid);
        assertThat(code(verifier.check(sign(es, "ES256", "es-9", ISS, "user-1", t, t + 60, "FULL"), "user-1", NOW)))
                .isEqualTo(unknown_verifier_key);
        assertThat(code(verifier.check(sign(es, "ES256", null, ISS, "user-1", t, t + 60, "FULL"), "user-1", NOW)))
                .isEqualTo(unknown_verifier_key);
        assertThat(code(verifier.check(sign(es, "ES256", "es-1", "https://evil", "user-1", t, t + 60, "FULL"), "user-1", NOW)))
                .isEqualTo(untrusted_issuer);
        assertThat(code(verifier.check(good(es, "ES256"), "user-2", NOW))).isEqualTo(subject_mismatch);
        assertThat(code(verifier.check(good(stranger, "ES256"), "user-1", NOW))).isEqualTo(bad_signature);
        assertThat(code(verifier.check(sign(es, "ES256", "es-1", ISS, "user-1", t, t + 60, "GOLD"), "user-1", NOW)))
                .isEqualTo(invalid_claims);
        assertThat(code(verifier.check("not.a.jws!", "user-1", NOW))).isEqualTo(malformed_token);
        assertThat(code(verifier.check("abc", "user-1", NOW))).isEqualTo(malformed_token);
        assertThat(code(verifier.check(null, "user-1", NOW))).isEqualTo(malformed_token);
    }

    @Test
    void tamperedPayloadIsABadSignature() throws Exception {
        String[] parts = good(es, "ES256").split("\\.");
        String payload = new String(Base64.getUrlDecoder().decode(parts[1])).replace("FULL", "BASIC");
        String forged = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(payload.getBytes()) + "." + parts[2];
        assertThat(code(verifier.check(forged, "user-1", NOW))).isEqualTo(bad_signature);
    }

    @Test
    void otherAlgorithmsAreRefused() throws Exception {
        String header = Base64.getUrlEncoder().withoutPadding().encodeToString("{\"alg\":\"none\",\"kid\":\"es-1\"}".getBytes());
        String[] parts = good(es, "ES256").split("\\.");
        assertThat(code(verifier.check(header + "." + parts[1] + ".AAAA", "user-1", NOW))).isEqualTo(unsupported_algorithm);
        String hs = Base64.getUrlEncoder().withoutPadding().encodeToString("{\"alg\":\"HS256\",\"kid\":\"es-1\"}".getBytes());
        assertThat(code(verifier.check(hs + "." + parts[1] + "." + parts[2], "user-1", NOW))).isEqualTo(unsupported_algorithm);
    }

    @Test
    void rotationAcrossTwoJwksDocuments() throws Exception {
        PublicJsonWebKey next = EcJwkGenerator.generateJwk(EllipticCurves.P256);
        next.setKeyId("es-2");
        String oldDoc = new JsonWebKeySet(es).toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY);
        String newDoc = new JsonWebKeySet(next).toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY);
        VerificationTokens overlap = new VerificationTokens(java.util.List.of(oldDoc, newDoc), ISS, 60);
        assertThat(overlap.check(good(es, "ES256"), "user-1", NOW)).isInstanceOf(VerificationTokens.Verified.class);
        assertThat(overlap.check(good(next, "ES256"), "user-1", NOW)).isInstanceOf(VerificationTokens.Verified.class);
        VerificationTokens after = new VerificationTokens(java.util.List.of(newDoc), ISS, 60);
        assertThat(code(after.check(good(es, "ES256"), "user-1", NOW))).isEqualTo(unknown_verifier_key);
        assertThat(after.check(good(next, "ES256"), "user-1", NOW)).isInstanceOf(VerificationTokens.Verified.class);
    }

    @Test
    void clockSkewIsConfigurableAndBounded() throws Exception {
        long t = NOW.getEpochSecond();
        String expired30 = sign(es, "ES256", "es-1", ISS, "user-1", t - 600, t - 30, "FULL");
        String expired90 = sign(es, "ES256", "es-1", ISS, "user-1", t - 600, t - 90, "FULL");
        String future30 = sign(es, "ES256", "es-1", ISS, "user-1", t + 30, t + 600, "FULL");
        String jwks = new JsonWebKeySet(es).toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY);
        VerificationTokens skew60 = new VerificationTokens(jwks, ISS, 60);
        assertThat(skew60.check(expired30, "user-1", NOW)).isInstanceOf(VerificationTokens.Verified.class);
        assertThat(code(skew60.check(expired90, "user-1", NOW))).isEqualTo(verification_expired);
        assertThat(skew60.check(future30, "user-1", NOW)).isInstanceOf(VerificationTokens.Verified.class);
        VerificationTokens strict = new VerificationTokens(jwks, ISS, 0);
        assertThat(code(strict.check(expired30, "user-1", NOW))).isEqualTo(verification_expired);
        assertThat(code(strict.check(future30, "user-1", NOW))).isEqualTo(verification_not_yet_valid);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new VerificationTokens(jwks, ISS, 301))
                .isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new VerificationTokens(jwks, ISS, -1))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
