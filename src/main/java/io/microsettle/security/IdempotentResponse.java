package io.microsettle.security;

import io.microsettle.infra.AfterCommit;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The {@code Idempotency-Key} the current request claimed ({@link IdempotencyFilters}), so that the request's write
 * transaction can store its response in its own commit. A key whose response is stored after the commit, by the
 * response filter, stays "in progress" when the process dies or the statement fails between the two: a retry then gets
 * 409 {@code idempotency_in_progress} until the key is purged, and a request that moved money can neither be replayed
 * nor repeated. Stored in the commit, the response is there exactly when the change is, and it costs no commit of its own.
 * Every POST that changes state in one database transaction stores its response with {@link #storeInTransaction} (cash-outs,
 * quotes, accounts, verifications, webhook endpoints and their secrets, review decisions, acknowledged discrepancies);
 * the admin POSTs that call the chain (pause, settler rotation) leave it to the response filter. Credits, posted by a
 * writer for many requests at once, pass
 * {@link #claim()} to the writer, which stores the responses of its batch together ({@link IdempotencyStore#storeResponses}),
 * and mark it {@link #storedByCommit()} once that committed.
 */
@RequestScoped
public class IdempotentResponse {
    @Inject
    IdempotencyStore store;
    @Inject
    AfterCommit afterCommit;

    private IdempotencyStore.Claimed claimed;
    private volatile boolean stored;

    void claimed(IdempotencyStore.Claimed claimed) {
        this.claimed = claimed;
    }

    /** The key this request claimed, if it sent one. */
    public Optional<IdempotencyStore.Claimed> claim() {
        return Optional.ofNullable(claimed);
    }

    /**
     * Stores {@code status} and the entity {@code view} gives (serialised as the response will be) as the claimed key's
     * response, in the caller's transaction; nothing, and {@code view} is not called, when the request claimed no key.
     * Once that transaction commits, the response filter leaves the key alone.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void storeInTransaction(int status, Supplier<?> view) {
        if (claimed == null) return;
        store.storeResponses(List.of(claimed), status, List.of(view.get()));
        afterCommit.run(() -> stored = true);
    }

    /** A transaction of another thread stored this request's response and has committed. */
    public void storedByCommit() {
        stored = true;
    }

    /** Whether a committed transaction stored this request's response. */
    boolean stored() {
        return stored;
    }
}
