package io.microsettle.security;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * Webhook signing (plain Java). A delivery carries
 * {@code Microsettle-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>[,v1=...]}:
 * one {@code v1} per secret in force (two while a rotation overlaps). The HMAC key is the
 * secret string as the API returned it ({@code whsec_...}), as UTF-8 bytes. A receiver accepts the
 * delivery when any {@code v1} matches its secret and {@code t} is within the tolerance of its clock.
 */
public final class WebhookSignatures {
    public static final String HEADER = "Microsettle-Signature";
    public static final String SECRET_PREFIX = "whsec_";
    /** Random bytes in a secret (base64url, unpadded, after the prefix). */
    public static final int SECRET_BYTES = 32;
    /** How far a receiver lets {@code t} be from its own clock: 5 minutes. */
    public static final long DEFAULT_TOLERANCE_SECONDS = 300;
    /** A header with more signatures than this is refused unread (a verifier's own bound). */
    public static final int MAX_SIGNATURES = 8;
    public static final int MAX_HEADER_CHARS = 1024;

    private static final SecureRandom RANDOM = new SecureRandom();

    /** Why a signature header was refused, or VALID. */
    public enum Verdict { VALID, MALFORMED, TIMESTAMP_OUT_OF_TOLERANCE, NO_MATCHING_SIGNATURE }

    private WebhookSignatures() {}

    /** A new secret: {@code whsec_} + 32 random bytes, base64url without padding (43 characters). */
    public static String newSecret() {
        byte[] b = new byte[SECRET_BYTES];
        RANDOM.nextBytes(b);
        return SECRET_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** hex(HMAC-SHA256(secret, "<t>.<body>")). */
    public static String v1(String secret, long t, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update(Long.toString(t).getBytes(StandardCharsets.US_ASCII));
            mac.update((byte) '.');
            mac.update(body);
            return HexFormat.of().formatHex(mac.doFinal());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The header value for a delivery at {@code t}, one {@code v1} per secret (the current one first). */
    public static String header(long t, byte[] body, List<String> secrets) {
        if (secrets.isEmpty()) throw new IllegalArgumentException("at least one secret");
        StringBuilder sb = new StringBuilder("t=").append(t);
        for (String s : secrets) sb.append(",v1=").append(v1(s, t, body));
        return sb.toString();
    }

    /**
     * What a receiver does: parse the header, refuse a {@code t} more than {@code toleranceSeconds}
     * away from {@code nowSeconds}, and accept when any {@code v1} equals the HMAC with {@code secret}
     * (compared in constant time). Unknown schemes (e.g. a future {@code v2}) are ignored.
     */
    public static Verdict verify(String header, byte[] body, String secret, long nowSeconds, long toleranceSeconds) {
        if (header == null || header.isEmpty() || header.length() > MAX_HEADER_CHARS) return Verdict.MALFORMED;
        Long t = null;
        List<String> v1s = new ArrayList<>();
        for (String part : header.split(",", -1)) {
            int eq = part.indexOf('=');
            if (eq <= 0) return Verdict.MALFORMED;
            String key = part.substring(0, eq).trim();
            String value = part.substring(eq + 1).trim();
            if (key.equals("t")) {
                if (t != null || value.isEmpty() || value.length() > 12 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
                    return Verdict.MALFORMED;
                }
                t = Long.parseLong(value);
            } else if (key.equals("v1")) {
                v1s.add(value);
            }
        }
        if (t == null || v1s.isEmpty() || v1s.size() > MAX_SIGNATURES) return Verdict.MALFORMED;
        if (Math.abs(nowSeconds - t) > toleranceSeconds) return Verdict.TIMESTAMP_OUT_OF_TOLERANCE;
        byte[] expected = v1(secret, t, body).getBytes(StandardCharsets.US_ASCII);
        boolean match = false;
        for (String v : v1s) {
            // no early exit: every value is compared
            match |= MessageDigest.isEqual(expected, v.toLowerCase(java.util.Locale.ROOT).getBytes(StandardCharsets.US_ASCII));
        }
        return match ? Verdict.VALID : Verdict.NO_MATCHING_SIGNATURE;
    }
}
