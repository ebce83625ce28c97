package io.microsettle.security;

import org.jose4j.jwt.consumer.ErrorCodes;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.lang.InvalidAlgorithmException;
import org.jose4j.lang.UnresolvableKeyException;

/**
 * Why a bearer token was refused, as a problem {@code code} and a detail that names the reason
 * (from the exception smallrye-jwt raised): {@code token_expired} for a token past its {@code exp}
 * or older than {@code mp.jwt.verify.token.age}; {@code invalid_token} for every other failed check
 * (signature, algorithm, key id, issuer, audience, format). A missing token is {@code unauthenticated}.
 */
public final class AuthFailures {
    public record Refusal(String code, String detail) {}

    public static final String UNAUTHENTICATED = "unauthenticated";
    public static final String TOKEN_EXPIRED = "token_expired";
    public static final String INVALID_TOKEN = "invalid_token";

    private AuthFailures() {}

    public static Refusal classify(Throwable failure) {
        InvalidJwtException jwt = null;
        for (Throwable t = failure; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof InvalidJwtException i && jwt == null) jwt = i;
            if (t instanceof InvalidAlgorithmException) {
                return new Refusal(INVALID_TOKEN, "the token's signature algorithm is not the one this service accepts");
            }
            if (t instanceof UnresolvableKeyException || t.getClass().getSimpleName().equals("UnmatchedTokenKidException")) {
                return new Refusal(INVALID_TOKEN, "no configured key matches the token's kid");
            }
            String m = t.getMessage();
            if (m != null && m.contains("token age")) return new Refusal(TOKEN_EXPIRED, "the token is older than the maximum token age");
        }
        if (jwt == null) return new Refusal(INVALID_TOKEN, "the bearer token could not be verified");
        if (jwt.hasExpired() || jwt.hasErrorCode(ErrorCodes.ISSUED_AT_INVALID_PAST)) return new Refusal(TOKEN_EXPIRED, "the token has expired");
        if (jwt.hasErrorCode(ErrorCodes.ISSUER_INVALID) || jwt.hasErrorCode(ErrorCodes.ISSUER_MISSING)) {
            return new Refusal(INVALID_TOKEN, "the token's issuer is not the trusted issuer");
        }
        if (jwt.hasErrorCode(ErrorCodes.AUDIENCE_INVALID) || jwt.hasErrorCode(ErrorCodes.AUDIENCE_MISSING)) {
            return new Refusal(INVALID_TOKEN, "the token's audience is not this service");
        }
        if (jwt.hasErrorCode(ErrorCodes.SIGNATURE_INVALID) || jwt.hasErrorCode(ErrorCodes.SIGNATURE_MISSING)) {
            return new Refusal(INVALID_TOKEN, "the token's signature does not verify");
        }
        if (jwt.hasErrorCode(ErrorCodes.ISSUED_AT_MISSING) || jwt.hasErrorCode(ErrorCodes.EXPIRATION_MISSING)) {
            return new Refusal(INVALID_TOKEN, "the token must carry iat and exp");
        }
        if (jwt.hasErrorCode(ErrorCodes.NOT_YET_VALID) || jwt.hasErrorCode(ErrorCodes.ISSUED_AT_INVALID_FUTURE)) {
            return new Refusal(INVALID_TOKEN, "the token is not valid yet");
        }
        if (hasAlgorithmCause(jwt)) {
            return new Refusal(INVALID_TOKEN, "the token's signature algorithm is not the one this service accepts");
        }
        if (jwt.hasErrorCode(ErrorCodes.MALFORMED_CLAIM) || jwt.hasErrorCode(ErrorCodes.JSON_INVALID)) {
            return new Refusal(INVALID_TOKEN, "the token is malformed");
        }
        return new Refusal(INVALID_TOKEN, "the bearer token could not be verified");
    }

    private static boolean hasAlgorithmCause(InvalidJwtException e) {
        return e.getErrorDetails().stream().anyMatch(d -> d.getErrorMessage() != null
                && d.getErrorMessage().toLowerCase(java.util.Locale.ROOT).contains("algorithm"));
    }
}
