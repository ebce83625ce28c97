package io.microsettle.infra;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;

/**
 * The opaque cursor of every list: base64url of "epochMicros:id", the last row of the page. Rows
 * are ordered by (time, id), newest first (cash-outs, webhook endpoints, delivery attempts) or
 * oldest first (the review queue), so the next page is the rows after that pair.
 */
public record KeysetCursor(Instant createdAt, String id) {
    /** The direction of a list. */
    public enum Order { NEWEST_FIRST, OLDEST_FIRST }

    public String encode() {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((ChronoUnit.MICROS.between(Instant.EPOCH, createdAt) + ":" + id).getBytes(StandardCharsets.UTF_8));
    }

    /** Refused with 400 validation_failed naming {@code cursor}. */
    public static KeysetCursor decode(String s) {
        try {
            if (s.length() > 200) throw new IllegalArgumentException();
            String raw = new String(Base64.getUrlDecoder().decode(s), StandardCharsets.UTF_8);
            int colon = raw.indexOf(':');
            return new KeysetCursor(Instant.EPOCH.plus(Long.parseLong(raw.substring(0, colon)), ChronoUnit.MICROS), raw.substring(colon + 1));
        } catch (RuntimeException e) {
            throw ApiException.validation("cursor", "is not a cursor this API returned");
        }
    }

    /**
     * Ends a JDBC query (its WHERE clause already open) with one newest-first page: the rows
     * after {@code cursor} (null: from the newest) by ({@code timeColumn}, {@code idColumn}),
     * ordered, and limit + 1 rows so the caller sees whether another page follows.
     */
    public static void appendPage(StringBuilder sql, List<Object> args, String cursor, String timeColumn, String idColumn, int limit) {
        appendPage(sql, args, cursor, timeColumn, idColumn, limit, Order.NEWEST_FIRST);
    }

    /** As above, in either direction. */
    public static void appendPage(StringBuilder sql, List<Object> args, String cursor, String timeColumn, String idColumn, int limit,
                                  Order order) {
        boolean newest = order == Order.NEWEST_FIRST;
        if (cursor != null) {
            KeysetCursor c = decode(cursor);
            sql.append(" AND (").append(timeColumn).append(", ").append(idColumn).append(newest ? ") < (?, ?)" : ") > (?, ?)");
            args.add(OffsetDateTime.ofInstant(c.createdAt(), ZoneOffset.UTC));
            args.add(c.id());
        }
        String dir = newest ? " DESC" : "";
        sql.append(" ORDER BY ").append(timeColumn).append(dir).append(", ").append(idColumn).append(dir).append(" LIMIT ?");
        args.add(limit + 1);
    }
}
