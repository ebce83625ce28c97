package io.microsettle.infra;

import io.quarkus.narayana.jta.QuarkusTransaction;
import org.jboss.logging.Logger;

import java.util.concurrent.Callable;

/**
 * The transaction boundary of a write, for code that calls it directly (the {@link WriteTransaction}
 * interceptor uses the same): a new transaction, run again when PostgreSQL reports a serialization
 * failure, a deadlock or a lock timeout (at most {@link TransactionRetry#MAX_ATTEMPTS} times), and
 * 503 {@code busy} with Retry-After after that or when no pooled connection is free. Only call it
 * with no transaction active.
 */
public final class Transactions {
    private static final Logger LOG = Logger.getLogger(Transactions.class);

    private Transactions() {}

    public static <T> T write(String what, int timeoutSeconds, Callable<T> work) {
        for (int attempt = 1; ; attempt++) {
            try {
                return QuarkusTransaction.requiringNew().timeout(timeoutSeconds).call(work);
            } catch (RuntimeException e) {
                if (TransactionRetry.isPoolExhausted(e)) throw TransactionRetry.busy(e);
                if (!TransactionRetry.isRetryable(e)) throw unwrap(e);
                if (attempt >= TransactionRetry.MAX_ATTEMPTS) {
                    LOG.warnf("%s: gave up after %d attempts (SQL state %s)", what, attempt, TransactionRetry.sqlState(e));
                    throw TransactionRetry.busy(e);
                }
                pause(TransactionRetry.backoffMillis(attempt + 1));
            }
        }
    }

    public static <T> T write(String what, Callable<T> work) {
        return write(what, 0, work);
    }

    public static void write(String what, Runnable work) {
        write(what, 0, () -> {
            work.run();
            return null;
        });
    }

    /** QuarkusTransaction wraps checked exceptions of the body; everything the API maps is unchecked. */
    private static RuntimeException unwrap(RuntimeException e) {
        return e instanceof io.quarkus.narayana.jta.QuarkusTransactionException q && q.getCause() instanceof RuntimeException r ? r : e;
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
