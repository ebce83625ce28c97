package io.microsettle.account;

import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.MalformedClaimException;
import org.jose4j.jwt.NumericDate;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.lang.JoseException;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks a verifier's compact JWS (plain Java, jose4j): ES256 or EdDSA, key chosen by
 * {@code kid} from the trusted JWKS, claims {@code iss, sub, wallet, level, iat, exp}.
 * Each refusal has its own code.
 */
public final class VerificationTokens {
    private static final Pattern COMPACT = Pattern.compile("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");
    public static final Set<String> ALGORITHMS = Set.of(AlgorithmIdentifiers.ECDSA_USING_P256_CURVE_AND_SHA256,
            AlgorithmIdentifiers.EDDSA);

    /** The outcome of checking a token. */
    public sealed interface Outcome permits Verified, Refused {}

    public record Verified(String wallet, VerificationLevel level, String issuer, String kid) implements Outcome {}

    public record Refused(Code code, String detail) implements Outcome {}

    public enum Code {
        malformed_token, unsupported_algorithm, unknown_verifier_key, bad_signature, untrusted_issuer,
        subject_mismatch, verification_expired, verification_not_yet_valid, invalid_claims
    }

    /** The largest clock skew accepted in configuration: tolerance, not a way to accept stale tokens. */
    public static final long MAX_CLOCK_SKEW_SECONDS = 300;

    private final List<JsonWebKey> keys;
    private final String trustedIssuer;
    private final long clockSkewSeconds;

    public VerificationTokens(String jwksJson, String trustedIssuer, long clockSkewSeconds) {
        this(List.of(jwksJson), trustedIssuer, clockSkewSeconds);
    }

    /** Keys from several JWKS documents (e.g. during a rotation); a kid is looked up across all. */
    public VerificationTokens(List<String> jwksJsons, String trustedIssuer, long clockSkewSeconds) {
        List<JsonWebKey> all = new java.util.ArrayList<>();
        for (String json : jwksJsons) {
            try {
                all.addAll(new JsonWebKeySet(json).getJsonWebKeys());
            } catch (JoseException e) {
                throw new IllegalArgumentException("unreadable verifier JWKS", e);
            }
        }
        if (clockSkewSeconds < 0 || clockSkewSeconds > MAX_CLOCK_SKEW_SECONDS) {
            throw new IllegalArgumentException("clock skew must be 0.." + MAX_CLOCK_SKEW_SECONDS + " seconds");
        }
        this.keys = List.copyOf(all);
        this.trustedIssuer = trustedIssuer;
        this.clockSkewSeconds = clockSkewSeconds;
    }

    public Outcome check(String token, String expectedSubject, Instant now) {
        if (token == null || !COMPACT.matcher(token).matches()) {
            return new Refused(Code.malformed_token, "not a compact JWS");
        }
        JsonWebSignature jws = new JsonWebSignature();
        String alg;
        String kid;
        try {
            jws.setCompactSerialization(token);
            alg = jws.getAlgorithmHeaderValue();
            kid = jws.getKeyIdHeaderValue();
        } catch (JoseException | RuntimeException e) {
            return new Refused(Code.malformed_token, "unreadable JWS header");
        }
        if (alg == null || !ALGORITHMS.contains(alg)) {
            return new Refused(Code.unsupported_algorithm, "algorithm must be ES256 or EdDSA");
        }
        if (jws.getHeaders().getObjectHeaderValue("jwk") != null || jws.getHeaders().getObjectHeaderValue("jku") != null) {
            return new Refused(Code.unsupported_algorithm, "tokens may not carry their own keys");
        }
        if (kid == null) return new Refused(Code.unknown_verifier_key, "the token has no kid");
        JsonWebKey key = keys.stream().filter(k -> kid.equals(k.getKeyId())).findFirst().orElse(null);
        if (key == null) return new Refused(Code.unknown_verifier_key, "no trusted verifier key has kid " + kid);
        jws.setAlgorithmConstraints(new AlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT, alg));
        jws.setKey(key.getKey());
        boolean valid;
        try {
            valid = jws.verifySignature();
        } catch (JoseException | RuntimeException e) {
            return new Refused(Code.bad_signature, "the signature does not verify with key " + kid);
        }
        if (!valid) return new Refused(Code.bad_signature, "the signature does not verify with key " + kid);
        JwtClaims claims;
        try {
            claims = JwtClaims.parse(jws.getUnverifiedPayload());
        } catch (InvalidJwtException | RuntimeException e) {
            return new Refused(Code.malformed_token, "the payload is not a JSON claims set");
        }
        try {
            if (!trustedIssuer.equals(claims.getIssuer())) {
                return new Refused(Code.untrusted_issuer, "issuer is not the trusted verifier");
            }
            if (expectedSubject == null || !expectedSubject.equals(claims.getSubject())) {
                return new Refused(Code.subject_mismatch, "sub is not this account's externalRef");
            }
            NumericDate exp = claims.getExpirationTime();
            NumericDate iat = claims.getIssuedAt();
            if (exp == null || iat == null) return new Refused(Code.invalid_claims, "iat and exp are required");
            long nowSeconds = now.getEpochSecond();
            if (exp.getValue() + clockSkewSeconds <= nowSeconds) {
                return new Refused(Code.verification_expired, "the verification token has expired");
            }
            if (iat.getValue() - clockSkewSeconds > nowSeconds) {
                return new Refused(Code.verification_not_yet_valid, "the verification token is issued in the future");
            }
            String wallet = claims.getStringClaimValue("wallet");
            String level = claims.getStringClaimValue("level");
            if (wallet == null) return new Refused(Code.invalid_claims, "wallet is required");
            VerificationLevel lvl;
            try {
                lvl = VerificationLevel.valueOf(String.valueOf(level));
            } catch (IllegalArgumentException e) {
                return new Refused(Code.invalid_claims, "level must be BASIC or FULL");
            }
            if (lvl == VerificationLevel.NONE) return new Refused(Code.invalid_claims, "level must be BASIC or FULL");
            return new Verified(wallet, lvl, claims.getIssuer(), kid);
        } catch (MalformedClaimException e) {
            return new Refused(Code.invalid_claims, "a claim has the wrong type");
        }
    }
}
