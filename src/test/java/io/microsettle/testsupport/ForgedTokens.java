package io.microsettle.testsupport;

import io.microsettle.security.DevKeys;
import io.microsettle.security.JwtMinter;
import org.jose4j.jwk.EcJwkGenerator;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.PublicJsonWebKey;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jwk.RsaJwkGenerator;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.keys.EllipticCurves;
import org.jose4j.lang.JoseException;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** Bearer tokens as an attacker (or a careless issuer) would make them, for refusal tests. */
public final class ForgedTokens {
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final RsaJsonWebKey STRANGER;
    private static final PublicJsonWebKey EC_STRANGER;

    static {
        try {
            STRANGER = RsaJwkGenerator.generateJwk(2048);
            STRANGER.setKeyId("attacker");
            EC_STRANGER = EcJwkGenerator.generateJwk(EllipticCurves.P256);
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    private ForgedTokens() {}

    /** Good claims for an integrator; the mutator changes them. */
    public static JwtClaims claims(String sub, Consumer<JwtClaims> mutate) {
        JwtClaims c = new JwtClaims();
        c.setIssuer(EmbeddedPostgresResource.ISSUER);
        c.setAudience(JwtMinter.AUDIENCE);
        c.setSubject(sub);
        c.setClaim("upn", sub);
        c.setStringListClaim("groups", List.of("integrator"));
        c.setIssuedAt(NumericDate.fromSeconds(now() - 5));
        c.setExpirationTime(NumericDate.fromSeconds(now() + 600));
        mutate.accept(c);
        return c;
    }

    public static long now() {
        return System.currentTimeMillis() / 1000;
    }

    /** Signed with the test's current caller key (kid caller-1) unless told otherwise. */
    public static String signed(JwtClaims claims) {
        return sign(claims, devKey(), "RS256", EmbeddedPostgresResource.CALLER_KID, h -> {});
    }

    public static String sign(JwtClaims claims, Key key, String alg, String kid, Consumer<JsonWebSignature> headers) {
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setKey(key);
        jws.setAlgorithmHeaderValue(alg);
        jws.setHeader("typ", "JWT");
        if (kid != null) jws.setKeyIdHeaderValue(kid);
        headers.accept(jws);
        try {
            return jws.getCompactSerialization();
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Key devKey() {
        return DevKeys.privateKey(Tokens.keysDir());
    }

    /** The next caller key (kid caller-2), listed in the JWKS beside the current one. */
    public static PublicJsonWebKey nextKey() {
        try {
            return PublicJsonWebKey.Factory.newPublicJwk(Files.readString(
                    Path.of(System.getProperty(EmbeddedPostgresResource.CALLER_NEXT_JWK_PROPERTY))));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    public static RsaJsonWebKey stranger() {
        return STRANGER;
    }

    public static PublicJsonWebKey ecStranger() {
        return EC_STRANGER;
    }

    /** An unsigned token: {@code alg} as given (none, None, ...), empty signature. */
    public static String unsigned(String alg, JwtClaims claims) {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("alg", alg);
        header.put("typ", "JWT");
        header.put("kid", EmbeddedPostgresResource.CALLER_KID);
        return b64(org.jose4j.json.JsonUtil.toJson(header)) + "." + b64(claims.toJson()) + ".";
    }

    /** HS256 with the server's public key (DER or PEM text) as the HMAC secret: the key-confusion attack. */
    public static String hmacWithPublicKey(JwtClaims claims, boolean pem) {
        byte[] der = DevKeys.publicKey(Tokens.keysDir()).getEncoded();
        byte[] secret = pem ? ("-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
                + "\n-----END PUBLIC KEY-----\n").getBytes(StandardCharsets.US_ASCII) : der;
        String signingInput = b64("{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"" + EmbeddedPostgresResource.CALLER_KID + "\"}")
                + "." + b64(claims.toJson());
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return signingInput + "." + B64.encodeToString(mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Signed by the attacker, who puts its own public key in the header ({@code jwk}). */
    public static String embeddedJwk(JwtClaims claims, String kid) {
        return sign(claims, STRANGER.getPrivateKey(), "RS256", kid, jws -> jws.getHeaders()
                .setJwkHeaderValue("jwk", STRANGER));
    }

    /** Signed by the attacker, pointing at its own key set ({@code jku}). */
    public static String jku(JwtClaims claims) {
        return sign(claims, STRANGER.getPrivateKey(), "RS256", "attacker",
                jws -> jws.setHeader("jku", "http://127.0.0.1:9/jwks.json"));
    }

    /** A valid token whose payload is swapped for another (the signature is the original's). */
    public static String withPayload(String token, JwtClaims claims) {
        String[] p = token.split("\\.");
        return p[0] + "." + b64(claims.toJson()) + "." + p[2];
    }

    public static String b64(String s) {
        return B64.encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    static JsonWebKey.OutputControlLevel publicOnly() {
        return JsonWebKey.OutputControlLevel.PUBLIC_ONLY;
    }
}
