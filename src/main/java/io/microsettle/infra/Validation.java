package io.microsettle.infra;

import java.util.regex.Pattern;

/** Small request-validation helpers; each refusal names the field. */
public final class Validation {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_\\-]{1,64}");
    private Validation() {}

    public static <T> T body(T body) {
        if (body == null) throw ApiException.validation("body", "a JSON object is required");
        return body;
    }

    public static String text(String value, String field, int maxLength) {
        if (value == null || value.isBlank()) throw ApiException.validation(field, "is required");
        if (value.length() > maxLength) throw ApiException.validation(field, "is longer than " + maxLength + " characters");
        return value;
    }

    /** Ids in paths and bodies: short and made of safe characters, else not found / invalid. */
    public static String id(String value, String field) {
        text(value, field, 64);
        if (!ID.matcher(value).matches()) throw ApiException.validation(field, "is not a valid id");
        return value;
    }

    /** A page size from a query parameter: absent = the default; else 1..max, digits only. */
    public static int limit(String limit, int defaultLimit, int maxLimit) {
        if (limit == null) return defaultLimit;
        int n;
        try {
            n = limit.length() > 9 || !limit.chars().allMatch(Character::isDigit) ? -1 : Integer.parseInt(limit);
        } catch (NumberFormatException e) {
            n = -1;
        }
        if (n < 1 || n > maxLimit) throw ApiException.validation("limit", "must be a whole number between 1 and " + maxLimit);
        return n;
    }
}
