package io.microsettle.cashout;

import io.microsettle.infra.ApiException;

import java.time.Instant;
import java.util.List;

/**
 * The time window of a settlement series: {@code buckets} buckets of {@code bucketSeconds} each, aligned to
 * the epoch, the last one holding {@code now}; bounded in range ({@link #MAX_HOURS}) and bucket count
 * ({@link #MAX_BUCKETS}). Without an explicit bucket size the smallest of {@link #DEFAULT_BUCKET_MINUTES}
 * that gives at most {@link #TARGET_BUCKETS} buckets is used.
 */
public record SettlementSeriesWindow(Instant from, Instant to, long bucketSeconds, int buckets) {
    public static final int DEFAULT_HOURS = 24;
    public static final int MAX_HOURS = 24 * 7;
    public static final int MAX_BUCKET_MINUTES = 24 * 60;
    public static final int MAX_BUCKETS = 500;
    public static final int TARGET_BUCKETS = 96;
    static final List<Integer> DEFAULT_BUCKET_MINUTES = List.of(1, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440);

    public SettlementSeriesWindow {
        if (bucketSeconds <= 0 || buckets <= 0 || buckets > MAX_BUCKETS) throw new IllegalArgumentException("bad window");
        if (!to.equals(from.plusSeconds(bucketSeconds * buckets))) throw new IllegalArgumentException("from, to and buckets disagree");
    }

    /** The window for the query parameters {@code hours} and {@code bucketMinutes} (either may be null); 400 on bad values. */
    public static SettlementSeriesWindow of(String hours, String bucketMinutes, Instant now) {
        int h = hours == null ? DEFAULT_HOURS : parse(hours, "hours", 1, MAX_HOURS);
        int m;
        if (bucketMinutes == null) {
            m = DEFAULT_BUCKET_MINUTES.stream().filter(c -> ceilDiv(h * 60L, c) <= TARGET_BUCKETS).findFirst()
                    .orElse(MAX_BUCKET_MINUTES);
        } else {
            m = parse(bucketMinutes, "bucketMinutes", 1, MAX_BUCKET_MINUTES);
        }
        long n = ceilDiv(h * 60L, m);
        if (n > MAX_BUCKETS) {
            throw ApiException.validation("bucketMinutes", "gives " + n + " buckets for " + h + " hours; at most " + MAX_BUCKETS);
        }
        long bucketSeconds = m * 60L;
        long end = Math.floorDiv(now.getEpochSecond(), bucketSeconds) * bucketSeconds + bucketSeconds;
        Instant to = Instant.ofEpochSecond(end);
        return new SettlementSeriesWindow(to.minusSeconds(bucketSeconds * n), to, bucketSeconds, (int) n);
    }

    /** The start of bucket {@code i} (0-based). */
    public Instant bucketStart(int i) {
        return from.plusSeconds(bucketSeconds * i);
    }

    /** The bucket index of a bucket start, or -1 when it lies outside the window or off the grid. */
    public int indexOf(Instant bucketStart) {
        long offset = bucketStart.getEpochSecond() - from.getEpochSecond();
        if (offset < 0 || offset % bucketSeconds != 0) return -1;
        long i = offset / bucketSeconds;
        return i < buckets ? (int) i : -1;
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    private static int parse(String value, String field, int min, int max) {
        int v;
        try {
            v = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw ApiException.validation(field, "must be a whole number from " + min + " to " + max);
        }
        if (v < min || v > max) throw ApiException.validation(field, "must be from " + min + " to " + max);
        return v;
    }
}
