package io.microsettle.infra;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Reads admin configuration documents (JSON trees) field by field; every refusal is a 400
 * {@code validation_failed} naming the field by its path.
 */
public final class ConfigJson {
    private ConfigJson() {}

    public static JsonNode object(JsonNode parent, String name, String path) {
        JsonNode n = parent == null ? null : parent.get(name);
        if (n == null || n.isNull()) throw ApiException.validation(path, "is required");
        if (!n.isObject()) throw ApiException.validation(path, "must be an object");
        return n;
    }

    public static JsonNode array(JsonNode parent, String name, String path) {
        JsonNode n = parent == null ? null : parent.get(name);
        if (n == null || n.isNull()) throw ApiException.validation(path, "is required");
        if (!n.isArray()) throw ApiException.validation(path, "must be an array");
        return n;
    }

    /** Money: a decimal string of base units, 0 allowed, no sign, no leading zeros. */
    public static long money(JsonNode parent, String name, String path) {
        JsonNode n = parent == null ? null : parent.get(name);
        if (n == null || n.isNull()) throw ApiException.validation(path, "is required");
        if (!n.isTextual()) throw ApiException.validation(path, "must be a decimal string of base units");
        String s = n.asText();
        if (s.isEmpty() || s.length() > 19 || !s.chars().allMatch(c -> c >= '0' && c <= '9')
                || (s.length() > 1 && s.charAt(0) == '0')) {
            throw ApiException.validation(path, "must be a decimal string of base units (digits only, no leading zeros)");
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw ApiException.validation(path, "is too large");
        }
    }

    /** An enum constant named by a JSON key (whether it may be configured is the rules' to say); {@code what} names the choices. */
    public static <E extends Enum<E>> E enumKey(Class<E> type, String key, String path, String what) {
        try {
            return Enum.valueOf(type, key);
        } catch (IllegalArgumentException e) {
            throw ApiException.validation(path, "is not " + what);
        }
    }

    /** A stored document read back (it was validated when it was stored). */
    public static JsonNode stored(ObjectMapper mapper, String json, String what) {
        try {
            return mapper.readTree(json);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("stored " + what + " is not JSON", e);
        }
    }

    public static int integer(JsonNode parent, String name, String path) {
        JsonNode n = parent == null ? null : parent.get(name);
        if (n == null || n.isNull()) throw ApiException.validation(path, "is required");
        if (!n.isIntegralNumber() || !n.canConvertToInt()) throw ApiException.validation(path, "must be a whole number");
        return n.intValue();
    }
}
