package io.microsettle.infra;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.Transactional;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Versioned configuration documents (fee schedules, limits): each change inserts the next
 * version (rows are immutable); the owner of the table appends the audit event in the same
 * transaction ({@link #auditPayload}). The highest version is in force.
 */
@ApplicationScoped
public class VersionedDocuments {
    /** The tables this store serves (names are not user input; checked anyway). */
    public static final String FEE_SCHEDULES = "fee_schedules";
    public static final String LIMIT_SETS = "limit_sets";
    private static final Set<String> TABLES = Set.of(FEE_SCHEDULES, LIMIT_SETS);

    /** One stored version. */
    public record Doc(long version, String bodyJson, String createdBy, Instant createdAt) {}

    @Inject
    AgroalDataSource dataSource;
    @Inject
    TransactionSynchronizationRegistry transactions;

    /** Bumped after each committed put, per table: caches read again. */
    private final ConcurrentHashMap<String, AtomicLong> generations = new ConcurrentHashMap<>();

    /**
     * The version in force of {@code table}, parsed, read at most every {@code ttlMillis} (a put on
     * this replica is seen at once; another replica's within the time to live).
     */
    public final class Cache<T> {
        private final String table;
        private final long ttlMillis;
        private final Function<Doc, T> parse;
        private volatile Object[] entry; // {value, readAtMillis, generation}

        Cache(String table, long ttlMillis, Function<Doc, T> parse) {
            this.table = table;
            this.ttlMillis = ttlMillis;
            this.parse = parse;
        }

        @SuppressWarnings("unchecked")
        public T get() {
            Object[] e = entry;
            long now = System.currentTimeMillis();
            long generation = generation(table).get();
            if (e != null && now - (long) e[1] < ttlMillis && (long) e[2] == generation) return (T) e[0];
            T value = parse.apply(current(table));
            entry = new Object[] {value, now, generation};
            return value;
        }
    }

    public <T> Cache<T> cache(String table, long ttlMillis, Function<Doc, T> parse) {
        check(table);
        return new Cache<>(table, ttlMillis, parse);
    }

    private AtomicLong generation(String table) {
        return generations.computeIfAbsent(table, t -> new AtomicLong());
    }

    @Transactional
    public Doc current(String table) {
        check(table);
        return Db.one(dataSource, "SELECT version, body::text, created_by, created_at FROM " + table + " ORDER BY version DESC LIMIT 1",
                rs -> new Doc(rs.getLong(1), rs.getString(2), rs.getString(3), Db.instant(rs, 4)))
                .orElseThrow(() -> new IllegalStateException(table + " has no version"));
    }

    /**
     * Stores {@code bodyJson} as the version after {@code expectedCurrent} (the one the caller
     * validated against); a concurrent change in between is a 409 {@code version_conflict}.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public Doc put(String table, long expectedCurrent, String bodyJson, String actor) {
        check(table);
        long next = expectedCurrent + 1;
        Instant now = Instant.now();
        Db.update(dataSource, "LOCK TABLE " + table + " IN SHARE ROW EXCLUSIVE MODE");
        long latest = Db.scalar(dataSource, "SELECT coalesce(max(version), 0) FROM " + table);
        if (latest != expectedCurrent) {
            throw ApiException.conflict("version_conflict", table.replace('_', ' ')
                    + " changed concurrently (now version " + latest + "); read it again and retry");
        }
        Db.update(dataSource, "INSERT INTO " + table + " (version, body, created_by, created_at) VALUES (?, ?::jsonb, ?, ?)",
                next, bodyJson, actor, now);
        AtomicLong generation = generation(table);
        transactions.registerInterposedSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {}

            @Override
            public void afterCompletion(int status) {
                generation.incrementAndGet();
            }
        });
        return new Doc(next, bodyJson, actor, now);
    }

    /** The audit subject of a stored version ({@code fee_schedules:3}). */
    public static String auditSubject(String table, Doc stored) {
        return table + ":" + stored.version();
    }

    /** The audit payload of a stored version: its number, the one it follows, and its body. */
    public static Map<String, Object> auditPayload(Doc stored) {
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("version", stored.version());
        payload.put("previousVersion", stored.version() - 1);
        payload.put("body", stored.bodyJson());
        return payload;
    }

    private static void check(String table) {
        if (!TABLES.contains(table)) throw new IllegalArgumentException("not a versioned table: " + table);
    }
}
