package io.microsettle.security;

import io.agroal.api.AgroalDataSource;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

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
    AgroalDataSource dataSource;
    @Inject
    SecurityConfig config;

    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public Claim claim(String integratorId, String key, String method, String path, String requestHash) {
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO idempotency_keys (integrator_id, idempotency_key, method, path, request_hash, created_at)
                    VALUES (?, ?, ?, ?, ?, now()) ON CONFLICT DO NOTHING""")) {
                ps.setString(1, integratorId);
                ps.setString(2, key);
                ps.setString(3, method);
                ps.setString(4, path);
                ps.setString(5, requestHash);
                if (ps.executeUpdate() == 1) return new Proceed();
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT request_hash, response_status, response_body FROM idempotency_keys
                     WHERE integrator_id = ? AND idempotency_key = ?""")) {
                ps.setString(1, integratorId);
                ps.setString(2, key);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) return new InProgress();
                    if (!requestHash.equals(rs.getString(1))) return new Mismatch();
                    int status = rs.getInt(2);
                    if (rs.wasNull()) return new InProgress();
                    return new Replay(status, rs.getString(3));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("idempotency store failed", e);
        }
    }

    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public void complete(String integratorId, String key, int status, String body) {
        update("UPDATE idempotency_keys SET response_status = ?, response_body = ? WHERE integrator_id = ? AND idempotency_key = ?",
                status, body, integratorId, key);
    }

    /** Forgets a claim whose operation failed unexpectedly, so that a retry runs it. */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public void release(String integratorId, String key) {
        update("DELETE FROM idempotency_keys WHERE integrator_id = ? AND idempotency_key = ? AND response_status IS NULL",
                null, null, integratorId, key);
    }

    @Scheduled(every = "1h", delayed = "10m")
    @Transactional
    void purge() {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => ?)")) {
            ps.setInt(1, (int) Math.max(24, config.idempotencyTtlHours()));
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private void update(String sql, Integer status, String body, String integratorId, String key) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            int i = 1;
            if (sql.startsWith("UPDATE")) {
                ps.setInt(i++, status);
                ps.setString(i++, body);
            }
            ps.setString(i++, integratorId);
            ps.setString(i, key);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
