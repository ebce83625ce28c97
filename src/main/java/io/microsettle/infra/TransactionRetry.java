package io.microsettle.infra;

import java.sql.SQLException;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When a failed transaction may simply run again (plain Java): PostgreSQL's serialization failure,
 * deadlock and lock-timeout states. And when the database is out of capacity (the connection pool
 * gave no connection in time), which is answered 503 at once.
 */
public final class TransactionRetry {
    /** Attempts of one transaction in all, the first included. */
    public static final int MAX_ATTEMPTS = 3;
    /** The largest pause before an attempt, in milliseconds (jittered, growing with the attempt). */
    static final long MAX_BACKOFF_MILLIS = 50;
    /** Seconds a client is told to wait after the last attempt failed. */
    public static final long RETRY_AFTER_SECONDS = 1;

    /** serialization_failure, deadlock_detected, lock_not_available. */
    static final Set<String> RETRYABLE_STATES = Set.of("40001", "40P01", "55P03");

    /** admin_shutdown, crash_shutdown, cannot_connect_now. */
    static final Set<String> SHUTDOWN_STATES = Set.of("57P01", "57P02", "57P03");

    /** Seconds a client is told to wait when the database cannot serve (an operator may have to act first). */
    public static final long DATABASE_RETRY_AFTER_SECONDS = 5;

    /** Causes followed when looking for the SQL state (wrappers of Hibernate, Narayana, Agroal). */
    static final int MAX_CAUSE_DEPTH = 16;

    private TransactionRetry() {}

    public static boolean isRetryable(Throwable failure) {
        String state = sqlState(failure);
        return state != null && RETRYABLE_STATES.contains(state);
    }

    /** Agroal's "acquisition timeout": no pooled connection became free in time. */
    public static boolean isPoolExhausted(Throwable failure) {
        Throwable t = failure;
        for (int i = 0; t != null && i < MAX_CAUSE_DEPTH; i++, t = t.getCause()) {
            if (t instanceof SQLException && String.valueOf(t.getMessage()).contains("acquisition timeout")) return true;
        }
        return false;
    }

    /**
     * PostgreSQL cannot serve now, whatever the request: the connection failed (class 08), it is out of a
     * resource (class 53: disk full, out of memory, too many connections, a configured limit), or it is shutting
     * down or starting (57P01-57P03). Answered 503: nothing about the request was wrong.
     */
    public static boolean isDatabaseUnavailable(Throwable failure) {
        String state = sqlState(failure);
        return state != null && (state.startsWith("08") || state.startsWith("53") || SHUTDOWN_STATES.contains(state));
    }

    /** The first SQL state on the cause chain, or null. */
    static String sqlState(Throwable failure) {
        Throwable t = failure;
        for (int i = 0; t != null && i < MAX_CAUSE_DEPTH; i++, t = t.getCause()) {
            if (t instanceof SQLException s && s.getSQLState() != null) return s.getSQLState();
        }
        return null;
    }

    /** The pause before {@code attempt} (2, 3, ...): random up to attempt × 1/MAX_ATTEMPTS of the maximum. */
    static long backoffMillis(int attempt) {
        long bound = Math.max(1, MAX_BACKOFF_MILLIS * (attempt - 1) / (MAX_ATTEMPTS - 1));
        return ThreadLocalRandom.current().nextLong(bound + 1);
    }

    /** What the caller sees once every attempt failed, or the pool is exhausted. */
    public static ApiException busy(Throwable failure) {
        String why = isPoolExhausted(failure) ? "the database has no free connection"
                : "the request conflicted with concurrent ones " + MAX_ATTEMPTS + " times";
        return ApiException.unavailable("busy", why + "; retry shortly", RETRY_AFTER_SECONDS);
    }
}
