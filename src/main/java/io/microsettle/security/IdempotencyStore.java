package io.microsettle.security;

import io.agroal.api.AgroalDataSource;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import io.microsettle.infra.Db;

import java.util.Optional;

/** Idempotency keys per integrator: the first request claims the key, its response is kept for replay. */
@ApplicationScoped
public class IdempotencyStore {
    public sealed interface Claim permits Proceed, Replay, Mismatch, InProgress {}

    /** The key is new: run the operation. */
    public record Proceed() implements Claim {}

    /** The same request ran before: answer with its response. */
    public record Replay(int status, String body) implements Claim {}

    /** The key was used with a different request. */
    public record Mismatch() implements Claim {}

    /** The first request with this key has not finished. */
    public record InProgress() implements Claim {}

    @Inject
    AgroalDataSource ds;
    @Inject
    SecurityConfig config;

    /** Claims the key in its own autocommit statement (the request's transaction comes after, and may be retried). */
    public Claim claim(String integratorId, String key, String method, String path, String requestHash) {
        int inserted = Db.update(ds, "INSERT INTO idempotency_keys (integrator_id, idempotency_key, method, path, request_hash, created_at) "
                + "VALUES (?, ?, ?, ?, ?, now()) ON CONFLICT DO NOTHING", integratorId, key, method, path, requestHash);
        if (inserted == 1) return new Proceed();
        record Stored(String requestHash, Integer status, String body) {}
        Optional<Stored> stored = Db.one(ds, "SELECT request_hash, response_status, response_body FROM idempotency_keys "
                        + "WHERE integrator_id = ? AND idempotency_key = ?",
                rs -> new Stored(rs.getString(1), (Integer) rs.getObject(2), rs.getString(3)), integratorId, key);
        if (stored.isEmpty()) return new InProgress(); // purged or released between the two statements: the first still runs
        if (!requestHash.equals(stored.get().requestHash())) return new Mismatch();
        if (stored.get().status() == null) return new InProgress();
        return new Replay(stored.get().status(), stored.get().body());
    }

    public void complete(String integratorId, String key, int status, String body) {
        Db.update(ds, "UPDATE idempotency_keys SET response_status = ?, response_body = ? WHERE integrator_id = ? AND idempotency_key = ?",
                status, body, integratorId, key);
    }

    /** Forgets a claim whose operation failed unexpectedly, so that a retry runs it. */
    public void release(String integratorId, String key) {
        Db.update(ds, "DELETE FROM idempotency_keys WHERE integrator_id = ? AND idempotency_key = ? AND response_status IS NULL",
                integratorId, key);
    }

    @Scheduled(every = "1h", delayed = "10m")
    void purge() {
        Db.update(ds, "DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => ?)",
                (int) Math.max(24, config.idempotencyTtlHours()));
    }
}
