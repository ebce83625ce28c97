package io.microsettle.security;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.microsettle.infra.AfterCommit;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

/**
 * The {@code Idempotency-Key} the current request claimed ({@link IdempotencyFilters}), so that the request's write
 * transaction can store its response in its own commit. A key whose response is stored after the commit, by the
 * response filter, stays "in progress" when the process dies or the statement fails between the two: a retry then gets
 * 409 {@code idempotency_in_progress} until the key is purged, and a request that moved money can neither be replayed
 * nor repeated. Stored in the commit, the response is there exactly when the change is, and it costs no commit of its own.
 */
@RequestScoped
public class IdempotentResponse {
    @Inject
    IdempotencyStore store;
    @Inject
    ObjectMapper mapper;
    @Inject
    AfterCommit afterCommit;

    private String integratorId;
    private String key;
    private volatile boolean stored;

    void claimed(String integratorId, String key) {
        this.integratorId = integratorId;
        this.key = key;
    }

    /**
     * Stores {@code status} and {@code entity} (serialised as the response will be) as the claimed key's response, in the
     * caller's transaction; nothing when the request claimed no key. Once that transaction commits, the response filter
     * leaves the key alone.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void storeInTransaction(int status, Object entity) {
        if (key == null) return;
        String body;
        try {
            body = mapper.writeValueAsString(entity);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("response of " + key + " not serialisable", e);
        }
        store.complete(integratorId, key, status, body);
        afterCommit.run(() -> stored = true);
    }

    /** Whether a committed transaction of this request stored its response. */
    boolean stored() {
        return stored;
    }
}
