package io.microsettle.ledger;

import io.microsettle.infra.ApiException;

/**
 * Parses money given as a decimal string of base units (plain Java): digits only, no sign,
 * no exponent, no fraction, no leading zeros, greater than zero, at most {@code maxBaseUnits}.
 * Anything else is refused with {@code invalid_amount} naming the field.
 */
public final class Amounts {
    public static final int MAX_DIGITS = 19;

    private Amounts() {}

    public static long parse(String value, String field, long maxBaseUnits) {
        if (value == null || value.isEmpty()) throw invalid(field, "is required");
        if (value.length() > MAX_DIGITS) throw invalid(field, "exceeds the maximum of " + maxBaseUnits + " base units");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') throw invalid(field, "must be a decimal string of base units (digits only)");
        }
        if (value.length() > 1 && value.charAt(0) == '0') throw invalid(field, "must not have leading zeros");
        long v;
        try {
            v = Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw invalid(field, "exceeds the maximum of " + maxBaseUnits + " base units");
        }
        if (v <= 0) throw invalid(field, "must be greater than zero");
        if (v > maxBaseUnits) throw invalid(field, "exceeds the maximum of " + maxBaseUnits + " base units");
        return v;
    }

    public static String format(long baseUnits) {
        return Long.toString(baseUnits);
    }

    private static ApiException invalid(String field, String why) {
        return new ApiException(400, "invalid_amount", field + ": " + why);
    }
}
