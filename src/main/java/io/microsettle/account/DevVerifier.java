package io.microsettle.account;

import io.microsettle.security.DevKeys;
import org.jose4j.jwk.EcJwkGenerator;
import org.jose4j.jwk.EllipticCurveJsonWebKey;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.PublicJsonWebKey;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.keys.EllipticCurves;
import org.jose4j.lang.JoseException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The embedded mode's stand-in for a KYC or telecom verifier: an ES256 key under
 * {@code <data>/keys} (private JWK, and the JWKS the service trusts), and the minting of
 * verification tokens with it, so a developer can bind a wallet without a real provider.
 * Plain Java; production configures real verifiers' JWKS instead.
 */
public final class DevVerifier {
    public static final String ISSUER = "microsettle-dev-verifier";
    public static final String KID = "dev-verifier-1";
    public static final String PRIVATE_FILE = "verifier-private.jwk.json";
    public static final String JWKS_FILE = "verifier.jwks.json";
    /** Longest token the dev verifier mints: a day. */
    public static final long MAX_TTL_SECONDS = 24 * 3600;

    private DevVerifier() {}

    /** Generates the key once under {@code dir}; returns the JWKS file to trust. */
    public static Path ensure(Path dir) {
        Path priv = dir.resolve(PRIVATE_FILE);
        Path jwks = dir.resolve(JWKS_FILE);
        if (Files.exists(priv) && Files.exists(jwks)) return jwks;
        try {
            Files.createDirectories(dir);
            EllipticCurveJsonWebKey key = EcJwkGenerator.generateJwk(EllipticCurves.P256);
            key.setKeyId(KID);
            key.setAlgorithm(AlgorithmIdentifiers.ECDSA_USING_P256_CURVE_AND_SHA256);
            key.setUse("sig");
            Files.writeString(priv, key.toJson(JsonWebKey.OutputControlLevel.INCLUDE_PRIVATE));
            DevKeys.restrictToOwner(priv);
            Files.writeString(jwks, new JsonWebKeySet(key).toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY));
            return jwks;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (JoseException e) {
            throw new IllegalStateException("cannot generate the dev verifier key", e);
        }
    }

    /** A compact ES256 verification token binding {@code subject} (externalRef) to {@code wallet}. */
    public static String mint(Path dir, String subject, String wallet, VerificationLevel level, long ttlSeconds) {
        if (subject == null || subject.isBlank()) throw new IllegalArgumentException("--sub is required");
        if (wallet == null || !wallet.matches("0x[0-9a-fA-F]{40}")) {
            throw new IllegalArgumentException("--wallet must be a 0x-prefixed 20-byte hex address");
        }
        if (level == VerificationLevel.NONE) throw new IllegalArgumentException("--level must be BASIC or FULL");
        if (ttlSeconds <= 0 || ttlSeconds > MAX_TTL_SECONDS) {
            throw new IllegalArgumentException("--ttl-seconds must be between 1 and " + MAX_TTL_SECONDS);
        }
        ensure(dir);
        try {
            PublicJsonWebKey key = PublicJsonWebKey.Factory.newPublicJwk(Files.readString(dir.resolve(PRIVATE_FILE)));
            JwtClaims claims = new JwtClaims();
            claims.setIssuer(ISSUER);
            claims.setSubject(subject);
            claims.setClaim("wallet", wallet.toLowerCase(Locale.ROOT));
            claims.setClaim("level", level.name());
            claims.setIssuedAtToNow();
            NumericDate exp = NumericDate.now();
            exp.addSeconds(ttlSeconds);
            claims.setExpirationTime(exp);
            JsonWebSignature jws = new JsonWebSignature();
            jws.setPayload(claims.toJson());
            jws.setKey(key.getPrivateKey());
            jws.setKeyIdHeaderValue(KID);
            jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.ECDSA_USING_P256_CURVE_AND_SHA256);
            return jws.getCompactSerialization();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (JoseException e) {
            throw new IllegalStateException("cannot sign with the dev verifier key", e);
        }
    }
}
