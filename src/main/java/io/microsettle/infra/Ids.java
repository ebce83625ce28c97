package io.microsettle.infra;

import java.security.SecureRandom;

/** Prefixed random ids ({@code acct_…}, {@code quote_…}, {@code co_…}): 20 base-62 characters. */
public final class Ids {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();
    public static final int RANDOM_CHARS = 20;

    private Ids() {}

    public static String newId(String prefix) {
        byte[] b = new byte[RANDOM_CHARS];
        RANDOM.nextBytes(b);
        char[] c = new char[RANDOM_CHARS];
        // 248 = 4 × 62: reject the top 8 byte values to keep the characters uniform
        for (int i = 0; i < c.length; i++) {
            int v = b[i] & 0xFF;
            while (v >= 248) v = RANDOM.nextInt(256);
            c[i] = ALPHABET[v % 62];
        }
        return prefix + "_" + new String(c);
    }
}
