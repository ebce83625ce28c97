package io.microsettle.account;

import io.microsettle.ops.ApiException;
import org.web3j.crypto.Keys;

import java.util.regex.Pattern;

/**
 * Ethereum addresses (plain Java): any case in, EIP-55 checksummed out; a mixed-case
 * address whose checksum is wrong is refused with {@code invalid_address}.
 */
public final class Addresses {
    private static final Pattern HEX40 = Pattern.compile("0x[0-9a-fA-F]{40}");
    public static final String ZERO = "0x0000000000000000000000000000000000000000";

    private Addresses() {}

    public static String normalize(String value, String field) {
        if (value == null || !HEX40.matcher(value).matches()) {
            throw new ApiException(400, "invalid_address", field + ": must be 0x followed by 40 hex digits");
        }
        String hex = value.substring(2);
        String checksummed = Keys.toChecksumAddress(value.toLowerCase());
        boolean uniform = hex.equals(hex.toLowerCase()) || hex.equals(hex.toUpperCase());
        if (!uniform && !checksummed.equals(value)) {
            throw new ApiException(400, "invalid_address", field + ": mixed-case address with a wrong EIP-55 checksum");
        }
        if (checksummed.equals(ZERO)) throw new ApiException(400, "invalid_address", field + ": the zero address is refused");
        return checksummed;
    }
}
