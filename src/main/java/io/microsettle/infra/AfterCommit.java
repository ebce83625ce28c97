package io.microsettle.infra;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;

/** Work that must only happen once the current transaction commits (metrics of a change): never after a rollback. */
@ApplicationScoped
public class AfterCommit {
    private final TransactionSynchronizationRegistry transactions;

    @Inject
    public AfterCommit(TransactionSynchronizationRegistry transactions) {
        this.transactions = transactions;
    }

    /** Runs {@code r} once the current transaction commits (not at all if it rolls back); at once without one. */
    public void run(Runnable r) {
        if (transactions.getTransactionStatus() != Status.STATUS_ACTIVE) {
            r.run();
            return;
        }
        transactions.registerInterposedSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {}

            @Override
            public void afterCompletion(int status) {
                if (status == Status.STATUS_COMMITTED) r.run();
            }
        });
    }
}
