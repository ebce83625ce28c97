package io.microsettle.risk.rules;

import java.util.Locale;
import java.util.regex.Pattern;

/** Address normalisation for comparisons: lowercase 0x-hex (checksum case is presentation). */
final class Addresses {
    private static final Pattern ADDRESS = Pattern.compile("0x[0-9a-fA-F]{40}");

    private Addresses() {}

    static boolean isAddress(String s) {
        return s != null && ADDRESS.matcher(s).matches();
    }

    static String normalize(String s) {
        if (!isAddress(s)) {
            throw new IllegalArgumentException("not a 0x-hex address: " + s);
        }
        return s.toLowerCase(Locale.ROOT);
    }
}
