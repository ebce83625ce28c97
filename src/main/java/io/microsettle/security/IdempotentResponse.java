package io.microsettle.security;

import io.microsettle.infra.AfterCommit;
import io.microsettle.infra.ApiException;
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
    private IdempotencyStore.Pending pending;
    private volatile boolean stored;
    private volatile boolean conflicted;

    void claimed(IdempotencyStore.Claimed claimed) {
        this.claimed = claimed;
    }

    /** The key is to be claimed by the request's transaction ({@link #claimInTransaction}). */
    void pending(IdempotencyStore.Pending pending) {
        this.pending = pending;
        this.claimed = new IdempotencyStore.Claimed(pending.scope(), pending.key());
    }

    /**
     * Claims the key the filter left to this transaction ({@link ClaimedInTransaction}), as its first statement, before
     * any lock: a second request with the key waits here holding nothing, and once the first commits it is refused 409
     * {@code idempotency_in_progress} (its retry is then replayed). Nothing when the request sent no key, or when the
     * filter claimed it. A transaction retried at its boundary claims it again.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void claimInTransaction() {
        if (pending == null) return;
        if (!store.claimInTransaction(pending)) {
            conflicted = true;
            throw ApiException.conflict("idempotency_in_progress", "a request with this Idempotency-Key is still running");
        }
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

    /**
     * As {@link #storeInTransaction(int, Supplier)}, for a response that carries a secret: the body is kept sealed by the
     * {@link ResponseSeal} of the secret's owner and opened again when it is replayed.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void storeSealedInTransaction(int status, Supplier<?> view) {
        if (claimed == null) return;
        store.storeSealedResponse(claimed, status, view.get());
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

    /** The key this request's transaction was to claim, if the filter left it to it. */
    Optional<IdempotencyStore.Pending> pending() {
        return Optional.ofNullable(pending);
    }

    /** Whether another request had the key when this request's transaction came to claim it. */
    boolean conflicted() {
        return conflicted;
    }
}
