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

/**
 * Every caller's {@link TokenBucket} in PostgreSQL, so that all replicas share one limit per
 * caller: one row per caller holding its TAT, moved by one conditional upsert per request
 * (autocommit, the row locked only for that statement). A request that the statement does not
 * pass reads the row once more to say how long to wait. Rows of full buckets say nothing and
 * are purged. The table is UNLOGGED: after a database crash the buckets start full again.
 */
@ApplicationScoped
public class RateLimitStore {
    /** Rows removed by one purge statement (a purge repeats it until none is left, at most MAX_PURGE_ROUNDS times). */
    static final int PURGE_BATCH_ROWS = 10_000;
    static final int MAX_PURGE_ROUNDS = 100;
    static final int MAX_TAKE_ATTEMPTS = 3;

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

    /** One request by {@code caller} at {@code nowMicros}, decided and recorded in one statement. */
    public TokenBucket.Decision take(String caller, long nowMicros) {
        TokenBucket bucket = bucketFor(caller);
        long interval = bucket.emissionIntervalMicros();
        // a purge can delete the row between the two statements (only once it is full): then go again
        for (int attempt = 0; attempt < MAX_TAKE_ATTEMPTS; attempt++) {
            // the same rule as TokenBucket.take: pass when TAT <= now + allowAhead, then TAT = max(TAT, now) + interval
            List<Long> passed = Db.query(ds, "INSERT INTO rate_limit_buckets AS b (caller, tat_micros) VALUES (?, ?) "
                            + "ON CONFLICT (caller) DO UPDATE SET tat_micros = GREATEST(b.tat_micros, ?) + ? "
                            + "WHERE b.tat_micros <= ? RETURNING tat_micros",
                    rs -> rs.getLong(1), caller, nowMicros + interval, nowMicros, interval, nowMicros + bucket.allowAheadMicros());
            if (!passed.isEmpty()) return bucket.allowed(passed.getFirst(), nowMicros);
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
        for (int round = 0; round < MAX_PURGE_ROUNDS; round++) {
            if (purgeFull(nowMicros(), PURGE_BATCH_ROWS) < PURGE_BATCH_ROWS) return;
        }
    }
}
