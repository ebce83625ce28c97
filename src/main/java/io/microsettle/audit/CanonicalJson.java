package io.microsettle.audit;

import java.math.BigInteger;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;

/**
 * Canonical JSON (plain Java): object keys sorted by UTF-16 code units, no whitespace,
 * integers only (no floating point), strings with the minimal JSON escapes
 * ({@code \" \\ \b \f \n \r \t} and {@code \\u00XX} for other control characters).
 * Values: null, Boolean, String, Integer, Long, BigInteger, Enum (its name), Map with
 * String keys, Collection.
 */
public final class CanonicalJson {
    public static final int MAX_DEPTH = 16;

    private CanonicalJson() {}

    public static String write(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, 0);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object v, int depth) {
        if (depth > MAX_DEPTH) throw new IllegalArgumentException("nested deeper than " + MAX_DEPTH);
        switch (v) {
            case null -> sb.append("null");
            case Boolean b -> sb.append(b ? "true" : "false");
            case String s -> string(sb, s);
            case Integer i -> sb.append(i);
            case Long l -> sb.append(l);
            case Short s -> sb.append(s);
            case BigInteger b -> sb.append(b);
            case Enum<?> e -> string(sb, e.name());
            case Map<?, ?> m -> {
                TreeMap<String, Object> sorted = new TreeMap<>();
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (!(e.getKey() instanceof String k)) throw new IllegalArgumentException("object keys must be strings");
                    sorted.put(k, e.getValue());
                }
                sb.append('{');
                boolean first = true;
                for (Map.Entry<String, Object> e : sorted.entrySet()) {
                    if (!first) sb.append(',');
                    first = false;
                    string(sb, e.getKey());
                    sb.append(':');
                    write(sb, e.getValue(), depth + 1);
                }
                sb.append('}');
            }
            case Collection<?> c -> {
                sb.append('[');
                boolean first = true;
                for (Object o : c) {
                    if (!first) sb.append(',');
                    first = false;
                    write(sb, o, depth + 1);
                }
                sb.append(']');
            }
            default -> throw new IllegalArgumentException("not canonically encodable: " + v.getClass().getName());
        }
    }

    /** Appends the canonical JSON string {@code s} (null as {@code null}) to {@code sb}. */
    static void appendString(StringBuilder sb, String s) {
        if (s == null) sb.append("null");
        else string(sb, s);
    }

    private static void string(StringBuilder sb, String s) {
        sb.append('"');
        int plain = plainPrefixLength(s);
        // most strings (ids, hashes, addresses, event types) need no escape: appended whole, not char by char
        sb.append(s, 0, plain);
        for (int i = plain; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        sb.append('"');
    }

    /** How many of {@code s}'s leading chars need no escape. */
    private static int plainPrefixLength(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == '"' || c == '\\') return i;
        }
        return s.length();
    }
}
