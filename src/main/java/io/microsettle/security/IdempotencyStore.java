package io.microsettle.security;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agroal.api.AgroalDataSource;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import io.microsettle.infra.Db;
import jakarta.enterprise.inject.Instance;

import jakarta.transaction.Transactional;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Idempotency keys per caller (an integrator, or one operator or admin: {@link CurrentCaller#idempotencyScope()}): the first
 * request claims the key, its response is kept for replay.
 */
@ApplicationScoped
public class IdempotencyStore {
    public sealed interface Claim permits Proceed, Replay, Mismatch, InProgress, Unreplayable {}

    /** The key is new: run the operation. */
    public record Proceed() implements Claim {}

    /** The same request ran before: answer with its response. */
    public record Replay(int status, String body) implements Claim {}

    /** The key was used with a different request. */
    public record Mismatch() implements Claim {}

    /** The first request with this key has not finished. */
    public record InProgress() implements Claim {}

    /** The same request ran before, but its response was sealed with a key this service does not have now. */
    public record Unreplayable(String detail) implements Claim {}

    /** A key a request claimed, whose response a transaction (perhaps on another thread) may store. */
    public record Claimed(String scope, String key) {}

    /** A key no request holds yet, to be claimed in the request's own transaction ({@link ClaimedInTransaction}). */
    public record Pending(String scope, String key, String method, String path, String requestHash) {}

    @Inject
    AgroalDataSource ds;
    @Inject
    SecurityConfig config;
    @Inject
    ObjectMapper mapper;
    @Inject
    Instance<ResponseSeal> seal;

    /** The least {@code idempotency-abandoned-after-seconds}: longer than any request may run. */
    static final long MIN_ABANDONED_AFTER_SECONDS = 120;

    /**
     * Claims the key in its own autocommit statement (the request's transaction comes after, and may be retried). A
     * claim of the same request that never answered and is older than {@code idempotency-abandoned-after-seconds}
     * (its process died mid-request: nothing it did committed, or its response would be stored) is taken over.
     */
    public Claim claim(String scope, String key, String method, String path, String requestHash) {
        int inserted = Db.update(ds, "INSERT INTO idempotency_keys (caller_scope, idempotency_key, method, path, request_hash, created_at) "
                + "VALUES (?, ?, ?, ?, ?, now()) ON CONFLICT DO NOTHING", scope, key, method, path, requestHash);
        if (inserted == 1) return new Proceed();
        Optional<Stored> stored = stored(scope, key);
        if (stored.isEmpty()) return new InProgress(); // purged or released between the two statements: the first still runs
        Claim answer = answer(stored.get(), requestHash);
        if (answer != null) return answer;
        // one retry takes it over: the condition is checked again under the row's lock
        int taken = Db.update(ds, "UPDATE idempotency_keys SET created_at = now() WHERE caller_scope = ? AND idempotency_key = ? "
                + "AND response_status IS NULL AND created_at < now() - make_interval(secs => ?)", scope, key, (double) abandonedAfterSeconds());
        return taken == 1 ? new Proceed() : new InProgress();
    }

    /**
     * What a key holds, read without claiming it, for a request that claims it in its own transaction: {@link Proceed}
     * when no request has it. A claim that was abandoned (see {@link #claim}) is removed first, so that the request's
     * transaction can claim the key.
     */
    public Claim lookup(String scope, String key, String requestHash) {
        Optional<Stored> stored = stored(scope, key);
        if (stored.isEmpty()) return new Proceed();
        Claim answer = answer(stored.get(), requestHash);
        if (answer != null) return answer;
        int removed = Db.update(ds, "DELETE FROM idempotency_keys WHERE caller_scope = ? AND idempotency_key = ? "
                + "AND response_status IS NULL AND created_at < now() - make_interval(secs => ?)", scope, key, (double) abandonedAfterSeconds());
        return removed == 1 ? new Proceed() : new InProgress();
    }

    /** A key's row as stored, and whether its claim was abandoned. */
    private record Stored(String scope, String key, String requestHash, Integer status, String body, boolean abandoned) {}

    private Optional<Stored> stored(String scope, String key) {
        return Db.one(ds, "SELECT request_hash, response_status, response_body, created_at < now() - make_interval(secs => ?) "
                        + "FROM idempotency_keys WHERE caller_scope = ? AND idempotency_key = ?",
                rs -> new Stored(scope, key, rs.getString(1), (Integer) rs.getObject(2), rs.getString(3), rs.getBoolean(4)),
                (double) abandonedAfterSeconds(), scope, key);
    }

    /** What a stored key answers this request: null when its claim was abandoned (the request may take the key over). */
    private Claim answer(Stored stored, String requestHash) {
        if (!requestHash.equals(stored.requestHash())) return new Mismatch();
        if (stored.status() != null) return replay(stored);
        return stored.abandoned() ? null : new InProgress();
    }

    /** A stored response as it is replayed: opened if it was sealed (a JSON body never starts with the sealed prefix). */
    private Claim replay(Stored stored) {
        if (!SecretBox.isSealed(stored.body())) return new Replay(stored.status(), stored.body());
        try {
            if (!seal.isResolvable()) throw new IllegalStateException("nothing here opens it");
            return new Replay(stored.status(), seal.get().open(stored.body(), row(stored.scope(), stored.key())));
        } catch (IllegalStateException e) {
            return new Unreplayable("the response kept for this Idempotency-Key is encrypted with a key this service does not have "
                    + "now (" + e.getMessage() + "); send the request with a new key");
        }
    }

    private long abandonedAfterSeconds() {
        return Math.max(MIN_ABANDONED_AFTER_SECONDS, config.idempotencyAbandonedAfterSeconds());
    }

    /**
     * Claims {@code p} in the caller's transaction; false when another request claimed it first (this insert waited for
     * that one's commit if it was still running).
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean claimInTransaction(Pending p) {
        return Db.update(ds, "INSERT INTO idempotency_keys (caller_scope, idempotency_key, method, path, request_hash, created_at) "
                + "VALUES (?, ?, ?, ?, ?, now()) ON CONFLICT DO NOTHING", p.scope(), p.key(), p.method(), p.path(), p.requestHash()) == 1;
    }

    /**
     * Keeps the response of a request whose transaction did not claim {@code p} (a refusal); false when another request
     * has the key (this insert waited for that one's commit if it was still running).
     */
    public boolean keep(Pending p, int status, String body) {
        return Db.update(ds, "INSERT INTO idempotency_keys (caller_scope, idempotency_key, method, path, request_hash, response_status, "
                        + "response_body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, now()) ON CONFLICT DO NOTHING",
                p.scope(), p.key(), p.method(), p.path(), p.requestHash(), status, body) == 1;
    }

    /**
     * Stores {@code status} with each claimed key's entity (serialised as its response will be), in one statement of the
     * caller's transaction: the responses commit exactly when the change they answer does.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void storeResponses(List<Claimed> claims, int status, List<?> entities) {
        if (claims.size() != entities.size()) throw new IllegalArgumentException(claims.size() + " keys for " + entities.size() + " responses");
        if (claims.isEmpty()) return;
        List<String> bodies = new ArrayList<>(claims.size());
        for (int i = 0; i < claims.size(); i++) bodies.add(json(claims.get(i), entities.get(i)));
        storeBodies(claims, status, bodies);
    }

    /**
     * Stores {@code status} with the claimed key's entity sealed by {@code seal} (bound to the key's row), in the caller's
     * transaction; a replay opens it again ({@link #stored}).
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void storeSealedResponse(Claimed claim, int status, Object entity) {
        String body = json(claim, entity);
        storeBodies(List.of(claim), status, List.of(seal.isResolvable() ? seal.get().seal(body, row(claim.scope(), claim.key())) : body));
    }

    /** What a sealed body is bound to: its key's row. */
    private static String row(String scope, String key) {
        return "idempotency_keys " + scope + " " + key;
    }

    private String json(Claimed claim, Object entity) {
        try {
            return mapper.writeValueAsString(entity);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("response of " + claim.key() + " not serialisable", e);
        }
    }

    private void storeBodies(List<Claimed> claims, int status, List<String> bodyList) {
        String[] scopes = new String[claims.size()], keys = new String[claims.size()], bodies = bodyList.toArray(String[]::new);
        for (int i = 0; i < claims.size(); i++) {
            scopes[i] = claims.get(i).scope();
            keys[i] = claims.get(i).key();
        }
        int stored = Db.update(ds, "UPDATE idempotency_keys k SET response_status = ?, response_body = v.body "
                        + "FROM unnest(?::text[], ?::text[], ?::text[]) AS v(caller_scope, idempotency_key, body) "
                        + "WHERE k.caller_scope = v.caller_scope AND k.idempotency_key = v.idempotency_key",
                status, scopes, keys, bodies);
        if (stored != claims.size()) throw new IllegalStateException("stored " + stored + " of " + claims.size() + " idempotent responses");
    }

    public void complete(String scope, String key, int status, String body) {
        Db.update(ds, "UPDATE idempotency_keys SET response_status = ?, response_body = ? WHERE caller_scope = ? AND idempotency_key = ?",
                status, body, scope, key);
    }

    /** Forgets a claim whose operation failed unexpectedly, so that a retry runs it. */
    public void release(String scope, String key) {
        Db.update(ds, "DELETE FROM idempotency_keys WHERE caller_scope = ? AND idempotency_key = ? AND response_status IS NULL",
                scope, key);
    }

    @Scheduled(every = "1h", delayed = "10m")
    void purge() {
        Db.update(ds, "DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => ?)",
                (int) Math.max(24, config.idempotencyTtlHours()));
    }
}
