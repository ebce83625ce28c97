package io.microsettle.ops;

import java.security.SecureRandom;

/** Prefixed random ids ({@code acct_…}, {@code quote_…}, {@code co_…}): 20 base-62 characters. */
public final class Ids {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();
    public static final int RANDOM_CHARS = 20;

    private Ids() {}

    public static String newId(String prefix) {
        char[] c = new char[RANDOM_CHARS];
        for (int i = 0; i < c.length; i++) c[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
        return prefix + "_" + new String(c);
    }
}
