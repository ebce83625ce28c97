package io.microsettle.infra;

import org.web3j.crypto.Keys;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Ethereum addresses (plain Java): any case in, EIP-55 checksummed out; a mixed-case
 * address whose checksum is wrong is refused with {@code invalid_address}. Rules compare
 * addresses in lowercase (checksum case is presentation).
 */
public final class Addresses {
    private static final Pattern HEX40 = Pattern.compile("0x[0-9a-fA-F]{40}");
    public static final String ZERO = "0x0000000000000000000000000000000000000000";

    private Addresses() {}

    /** The checksummed form of an address given to the API; refused with 400 invalid_address naming {@code field}. */
    public static String normalize(String value, String field) {
        if (!isAddress(value)) {
            throw new ApiException(400, "invalid_address", field + ": must be 0x followed by 40 hex digits");
        }
        String hex = value.substring(2);
        String checksummed = Keys.toChecksumAddress(value.toLowerCase(Locale.ROOT));
        boolean uniform = hex.equals(hex.toLowerCase(Locale.ROOT)) || hex.equals(hex.toUpperCase(Locale.ROOT));
        if (!uniform && !checksummed.equals(value)) {
            throw new ApiException(400, "invalid_address", field + ": mixed-case address with a wrong EIP-55 checksum");
        }
        if (checksummed.equals(ZERO)) throw new ApiException(400, "invalid_address", field + ": the zero address is refused");
        return checksummed;
    }

    /**
     * The EIP-55 form of 40 hex digits (any case, no 0x) as {@code Keys.toChecksumAddress} gives it, with one
     * Keccak-256 over the lowercase digits and no per-digit strings: the reconciler checksums every payee it reads.
     */
    public static String checksum(String hex40) {
        if (hex40.length() != 40) throw new IllegalArgumentException("not 40 hex digits: " + hex40);
        byte[] lower = new byte[40];
        for (int i = 0; i < 40; i++) {
            char c = hex40.charAt(i);
            if (c >= 'A' && c <= 'F') c = (char) (c + ('a' - 'A'));
            else if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) throw new IllegalArgumentException("not 40 hex digits: " + hex40);
            lower[i] = (byte) c;
        }
        byte[] hash = org.web3j.crypto.Hash.sha3(lower);
        char[] out = new char[42];
        out[0] = '0';
        out[1] = 'x';
        for (int i = 0; i < 40; i++) {
            int nibble = (hash[i >> 1] >> ((i & 1) == 0 ? 4 : 0)) & 0xf;
            char c = (char) lower[i];
            out[i + 2] = nibble >= 8 && c >= 'a' ? (char) (c - ('a' - 'A')) : c;
        }
        return new String(out);
    }

    /** Whether {@code s} is 0x followed by 40 hex digits (any case). */
    public static boolean isAddress(String s) {
        return s != null && HEX40.matcher(s).matches();
    }

    /** The lowercase form, for comparisons; IllegalArgumentException for anything but an address. */
    public static String lowercase(String s) {
        if (!isAddress(s)) throw new IllegalArgumentException("not a 0x-hex address: " + s);
        return s.toLowerCase(Locale.ROOT);
    }
}
