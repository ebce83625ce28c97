package io.microsettle.security;

import io.agroal.api.AgroalDataSource;
import io.microsettle.testsupport.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import java.util.UUID;

import static io.microsettle.testsupport.Api.as;
import static io.microsettle.testsupport.Problems.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Idempotency keys are kept at least 24 hours: the hourly purge leaves a key used 23 h 59 min ago
 * (and the same request still replays its first response), and removes one used 24 h 1 min ago
 * (after which the key is free again).
 */
@QuarkusTest
class IdempotencyRetentionTest {
    @Inject
    IdempotencyStore store;
    @Inject
    AgroalDataSource ds;

    @Test
    void keysLiveTwentyFourHoursAndNoLonger() throws SQLException {
        String integrator = "idem-ttl-" + UUID.randomUUID();
        String token = Tokens.integrator(integrator);
        String key = UUID.randomUUID().toString();
        Map<String, String> body = Map.of("externalRef", "ttl-user");
        Response first = as(token).header("Idempotency-Key", key).body(body).post("/v1/accounts");
        assertThat(first.statusCode()).isEqualTo(201);

        backdate(integrator, key, "23 hours 59 minutes");
        store.purge();
        assertThat(keyCount(integrator, key)).isEqualTo(1);
        Response replay = as(token).header("Idempotency-Key", key).body(body).post("/v1/accounts");
        assertThat(replay.statusCode()).isEqualTo(201);
        assertThat(replay.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(replay.asString()).isEqualTo(first.asString());

        backdate(integrator, key, "24 hours 1 minute");
        store.purge();
        assertThat(keyCount(integrator, key)).isZero();
        // the key is forgotten: the same body is a new request now (a duplicate externalRef, not a replay)
        Response after = as(token).header("Idempotency-Key", key).body(body).post("/v1/accounts");
        assertProblem(after, 409, "account_exists");
        assertThat(after.header("Idempotent-Replayed")).isNull();
    }

    private void backdate(String integrator, String key, String age) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "UPDATE idempotency_keys SET created_at = now() - ?::interval WHERE caller_scope = ? AND idempotency_key = ?")) {
            ps.setString(1, age);
            ps.setString(2, integrator);
            ps.setString(3, key);
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
    }

    private int keyCount(String integrator, String key) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT count(*) FROM idempotency_keys WHERE caller_scope = ? AND idempotency_key = ?")) {
            ps.setString(1, integrator);
            ps.setString(2, key);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }
}
