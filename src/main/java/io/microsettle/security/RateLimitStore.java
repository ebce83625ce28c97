package io.microsettle.security;

import io.agroal.api.AgroalDataSource;
import io.microsettle.infra.Db;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Every caller's {@link TokenBucket} in PostgreSQL, so that all replicas share one limit per
 * caller: one row per caller holding its TAT, moved by one conditional upsert per request
 * (autocommit, the row locked only for that statement). A request that the statement does not
 * pass reads the row once more to say how long to wait. Rows of full buckets say nothing and
 * are purged. The table is UNLOGGED: after a database crash the buckets start full again.
 *
 * <p>A caller's row is a hot row: every request of the caller moves it. For a fast bucket (at least
 * {@link #MIN_CHUNKED_PER_SECOND} a second) under load, a replica takes tokens from the row in chunks
 * and hands them out in memory: one statement reserves {@code k} tokens as {@code k} requests at that
 * instant would take them (the same rule: the k-th passes when {@code max(TAT, now) + (k-1)·interval <= now +
 * allowAhead}, then {@code TAT = max(TAT, now) + k·interval}), and the next requests of the same replica
 * use them for at most {@link #CHUNK_VALID_MICROS}. A request that comes later than the instant its
 * token was reserved for still keeps to the rule, so the limit holds across replicas; tokens not used in
 * time are lost (the caller is at worst refused a little early, never let through more). The chunk
 * size adapts: it doubles when a chunk is used up while still valid and halves when one expires with
 * tokens left, from 1 (a request, one statement, as without chunks) up to {@link #MAX_CHUNK_TOKENS} and a
 * quarter of what the bucket refills in the validity time.
 */
@ApplicationScoped
public class RateLimitStore {
    /** Rows removed by one purge statement (a purge repeats it until none is left, at most MAX_PURGE_ROUNDS times). */
    static final int PURGE_BATCH_ROWS = 10_000;
    static final int MAX_PURGE_ROUNDS = 100;
    static final int MAX_TAKE_ATTEMPTS = 3;
    /** The most tokens one statement reserves for a replica. */
    static final int MAX_CHUNK_TOKENS = 64;
    /** How long reserved tokens are handed out; then the rest are dropped. */
    static final long CHUNK_VALID_MICROS = 50_000;
    /** Slower buckets are taken one request, one statement (a chunk would be a large share of what they refill). */
    static final double MIN_CHUNKED_PER_SECOND = 1_000;

    /** Tokens this replica reserved for a caller at {@code fromMicros}, usable until {@code untilMicros}. */
    private record Chunk(int size, AtomicLong left, long fromMicros, long untilMicros, long tatMicros) {}

    private final Map<String, Chunk> chunks = new ConcurrentHashMap<>();

    @Inject
    AgroalDataSource ds;
    @Inject
    SecurityConfig config;

    private volatile Buckets buckets;

    private record Buckets(TokenBucket defaults, Map<String, TokenBucket> overrides) {}

    private Buckets buckets() {
        Buckets b = buckets;
        if (b == null) {
            SecurityConfig.RateLimit c = config.rateLimit();
            Map<String, TokenBucket> overrides = new HashMap<>();
            c.overrides().forEach((who, o) -> overrides.put(who, TokenBucket.of(o.burst(), o.requestsPerSecond())));
            b = new Buckets(TokenBucket.of(c.burst(), c.requestsPerSecond()), Map.copyOf(overrides));
            buckets = b;
        }
        return b;
    }

    public boolean enabled() {
        return config.rateLimit().enabled();
    }

    /** The caller's bucket: its override, or the default. */
    public TokenBucket bucketFor(String caller) {
        Buckets b = buckets();
        return b.overrides().getOrDefault(caller, b.defaults());
    }

    public static long nowMicros() {
        return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
    }

    /** The largest chunk of {@code bucket}: 1 for a bucket too slow to chunk. */
    static int maxChunk(TokenBucket bucket) {
        long perValidity = CHUNK_VALID_MICROS / bucket.emissionIntervalMicros();
        if (perValidity < CHUNK_VALID_MICROS * MIN_CHUNKED_PER_SECOND / TokenBucket.MICROS_PER_SECOND) return 1;
        return (int) Math.max(1, Math.min(MAX_CHUNK_TOKENS, Math.min(perValidity / 4, bucket.burst() / 4)));
    }

    /**
     * One request by {@code caller}, decided at {@code clockMicros}' reading: from this replica's chunk
     * of the caller's tokens if it has one, else in one statement (reserving the next chunk). A
     * statement reads the clock only once it holds a connection: a request that waited for one is
     * decided when it is, not when it asked (a reading taken before a wait of more than the burst's
     * length would refuse a request the bucket has room for).
     */
    public TokenBucket.Decision take(String caller, LongSupplier clockMicros) {
        TokenBucket bucket = bucketFor(caller);
        int max = maxChunk(bucket);
        if (max == 1) return takeOne(caller, bucket, clockMicros);
        long nowMicros = clockMicros.getAsLong();
        Chunk c = chunks.get(caller);
        if (c != null && nowMicros >= c.fromMicros() && nowMicros < c.untilMicros() && c.left().getAndDecrement() > 0) {
            return bucket.allowed(c.tatMicros(), nowMicros);
        }
        int size = c == null ? 1 : nowMicros < c.untilMicros() && nowMicros >= c.fromMicros() ? Math.min(max, 2 * c.size())
                : Math.max(1, c.size() / 2);
        if (size > 1) {
            Db.RowsAt<Long> reserved = reserve(caller, bucket, size, clockMicros);
            if (!reserved.rows().isEmpty()) {
                long tat = reserved.rows().getFirst();
                long at = reserved.clockReading();
                chunks.put(caller, new Chunk(size, new AtomicLong(size - 1), at, at + CHUNK_VALID_MICROS, tat));
                return bucket.allowed(tat, at);
            }
        }
        TokenBucket.Decision d = takeOne(caller, bucket, clockMicros);
        if (d.allowed()) chunks.put(caller, new Chunk(1, new AtomicLong(0), d.atMicros(), d.atMicros() + CHUNK_VALID_MICROS, d.tatMicros()));
        return d;
    }

    /** Reserves {@code k} tokens at the clock's reading in one statement (autocommit); the new TAT, none if fewer are left. */
    private Db.RowsAt<Long> reserve(String caller, TokenBucket bucket, int k, LongSupplier clockMicros) {
        long interval = bucket.emissionIntervalMicros();
        return Db.queryAt(ds, clockMicros, "INSERT INTO rate_limit_buckets AS b (caller, tat_micros) VALUES (?, ?) "
                        + "ON CONFLICT (caller) DO UPDATE SET tat_micros = GREATEST(b.tat_micros, ?) + ? "
                        + "WHERE GREATEST(b.tat_micros, ?) + ? <= ? RETURNING tat_micros",
                rs -> rs.getLong(1), now -> new Object[]{caller, now + k * interval, now, k * interval, now, (k - 1) * interval,
                        now + bucket.allowAheadMicros()});
    }

    /** One request decided and recorded in one statement. */
    private TokenBucket.Decision takeOne(String caller, TokenBucket bucket, LongSupplier clockMicros) {
        long interval = bucket.emissionIntervalMicros();
        // a purge can delete the row between the two statements (only once it is full): then go again
        for (int attempt = 0; attempt < MAX_TAKE_ATTEMPTS; attempt++) {
            // the same rule as TokenBucket.take: pass when TAT <= now + allowAhead, then TAT = max(TAT, now) + interval
            Db.RowsAt<Long> passed = Db.queryAt(ds, clockMicros, "INSERT INTO rate_limit_buckets AS b (caller, tat_micros) VALUES (?, ?) "
                            + "ON CONFLICT (caller) DO UPDATE SET tat_micros = GREATEST(b.tat_micros, ?) + ? "
                            + "WHERE b.tat_micros <= ? RETURNING tat_micros",
                    rs -> rs.getLong(1), now -> new Object[]{caller, now + interval, now, interval, now + bucket.allowAheadMicros()});
            long nowMicros = passed.clockReading();
            if (!passed.rows().isEmpty()) return bucket.allowed(passed.rows().getFirst(), nowMicros);
            List<Long> tat = Db.query(ds, "SELECT tat_micros FROM rate_limit_buckets WHERE caller = ?", rs -> rs.getLong(1), caller);
            if (!tat.isEmpty()) return bucket.refused(tat.getFirst(), nowMicros);
        }
        throw new IllegalStateException("rate limit of " + caller + " undecided after " + MAX_TAKE_ATTEMPTS + " attempts");
    }

    /** Removes the rows of buckets full at {@code nowMicros} (TAT not after now), at most {@code maxRows}. */
    public int purgeFull(long nowMicros, int maxRows) {
        return Db.update(ds, "DELETE FROM rate_limit_buckets WHERE caller IN "
                + "(SELECT caller FROM rate_limit_buckets WHERE tat_micros <= ? LIMIT ?)", nowMicros, maxRows);
    }

    @Scheduled(identity = "rate-limit-purge", every = "1m", delayed = "1m",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void purge() {
        long now = nowMicros();
        chunks.values().removeIf(c -> c.untilMicros() < now);
        for (int round = 0; round < MAX_PURGE_ROUNDS; round++) {
            if (purgeFull(now, PURGE_BATCH_ROWS) < PURGE_BATCH_ROWS) return;
        }
    }
}
