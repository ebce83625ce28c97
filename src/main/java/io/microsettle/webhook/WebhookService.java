package io.microsettle.webhook;

import io.microsettle.infra.WriteTransaction;
import io.agroal.api.AgroalDataSource;
import io.microsettle.audit.AuditLog;
import io.microsettle.infra.ApiException;
import io.microsettle.infra.Ids;
import io.microsettle.infra.KeysetCursor;
import io.microsettle.security.IdempotentResponse;
import io.microsettle.security.WebhookSignatures;
import io.microsettle.infra.Db;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Integrators' webhook endpoints: create, read, list, delete, rotate the secret, and the list
 * of delivery attempts. An endpoint is its integrator's alone: another integrator's id, and a
 * deleted endpoint, answer 404 {@code not_found} like an unknown id. Every change is audited in
 * its own transaction (never with a secret in the payload).
 */
@ApplicationScoped
public class WebhookService {
    static final String ENDPOINT_COLUMNS = "id, integrator_id, url, events, description, status, secret, previous_secret, "
            + "previous_secret_expires_at, created_at, updated_at";

    @Inject
    AgroalDataSource ds;
    @Inject
    AuditLog audit;
    @Inject
    WebhookConfig config;
    @Inject
    WebhookSecrets secrets;
    @Inject
    IdempotentResponse response;

    /** An endpoint as stored (secrets in their stored form, see WebhookSecrets; the clear one only when just made). */
    public record Endpoint(String id, String integratorId, String url, List<String> events, String description, String status,
                           String secret, String previousSecret, Instant previousSecretExpiresAt, Instant createdAt,
                           Instant updatedAt) {
        /** When the previous secret stops signing, if it still does at {@code now}. */
        public Instant previousSecretValidUntil(Instant now) {
            return previousSecret != null && previousSecretExpiresAt != null && previousSecretExpiresAt.isAfter(now)
                    ? previousSecretExpiresAt : null;
        }
    }

    public record Page<T>(List<T> data, String nextCursor) {}

    /** One attempt of one delivery, with its delivery's state. */
    public record Attempt(String id, String deliveryId, String eventId, String eventType, int attempt, Instant attemptedAt,
                          Integer statusCode, long durationMillis, String outcome, String error, String responseExcerpt,
                          String deliveryStatus, Instant nextAttemptAt) {}

    /**
     * Creates an endpoint with a new secret. At most {@code max-endpoints-per-integrator} live
     * endpoints (409 {@code webhook_limit_reached}), counted under a per-integrator lock.
     */
    @WriteTransaction
    public Endpoint create(String integratorId, String actor, String url, List<String> events, String description) {
        response.claimInTransaction();
        Db.query(ds, "SELECT pg_advisory_xact_lock(hashtext(?))", rs -> 1, "webhooks:" + integratorId);
        long live = Db.query(ds, "SELECT count(*) FROM webhook_endpoints WHERE integrator_id = ? AND status = 'ENABLED'",
                rs -> rs.getLong(1), integratorId).getFirst();
        if (live >= config.maxEndpointsPerIntegrator()) {
            throw ApiException.conflict("webhook_limit_reached", "an integrator may have at most "
                    + config.maxEndpointsPerIntegrator() + " webhook endpoints; delete one first");
        }
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        String id = Ids.newId("we");
        String secret = WebhookSignatures.newSecret();
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("integratorId", integratorId);
        payload.put("url", url);
        payload.put("events", events);
        payload.put("description", description);
        // the creation's own audit event is where its subscription starts (see WebhookFanout)
        String createdEventId = audit.append(actor, "webhook.created", id, payload);
        Db.update(ds, "INSERT INTO webhook_endpoints (id, integrator_id, url, events, description, status, secret, created_event_id, "
                        + "created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'ENABLED', ?, ?, ?, ?)",
                id, integratorId, url, events.toArray(String[]::new), description, secrets.store(secret, id), createdEventId,
                ts(now), ts(now));
        Endpoint created = new Endpoint(id, integratorId, url, events, description, "ENABLED", secret, null, null, now, now);
        response.storeSealedInTransaction(201, () -> WebhookResource.view(created, true));
        return created;
    }

    @Transactional
    public Endpoint get(String integratorId, String id) {
        return find(integratorId, id, false);
    }

    /** The integrator's live endpoints, newest first. */
    @Transactional
    public Page<Endpoint> list(String integratorId, int limit, String cursor) {
        List<Object> args = new ArrayList<>(List.of(integratorId));
        StringBuilder sql = new StringBuilder("SELECT " + ENDPOINT_COLUMNS
                + " FROM webhook_endpoints WHERE integrator_id = ? AND status = 'ENABLED'");
        KeysetCursor.appendPage(sql, args, cursor, "created_at", "id", limit);
        List<Endpoint> rows = Db.query(ds, sql.toString(), WebhookService::endpoint, args.toArray());
        if (rows.size() <= limit) return new Page<>(rows, null);
        rows = rows.subList(0, limit);
        Endpoint last = rows.getLast();
        return new Page<>(rows, new KeysetCursor(last.createdAt(), last.id()).encode());
    }

    /**
     * Deletes an endpoint: no event is fanned out to it any more, its pending deliveries are
     * cancelled and its secrets are erased. Afterwards its id answers 404 like an unknown one.
     */
    @WriteTransaction
    public Endpoint delete(String integratorId, String actor, String id) {
        Endpoint e = find(integratorId, id, true);
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        Db.update(ds, "UPDATE webhook_endpoints SET status = 'DELETED', secret = '', previous_secret = NULL, "
                + "previous_secret_expires_at = NULL, deleted_at = ?, updated_at = ? WHERE id = ?", ts(now), ts(now), id);
        int cancelled = Db.update(ds, "UPDATE webhook_deliveries SET status = 'CANCELLED', next_attempt_at = NULL, updated_at = now() "
                + "WHERE endpoint_id = ? AND status = 'PENDING'", id);
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("integratorId", integratorId);
        payload.put("url", e.url());
        payload.put("cancelledDeliveries", cancelled);
        audit.append(actor, "webhook.deleted", id, payload);
        return new Endpoint(e.id(), integratorId, e.url(), e.events(), e.description(), "DELETED", null, null, null,
                e.createdAt(), now);
    }

    /**
     * A new secret; the current one keeps signing (a second {@code v1}) for
     * {@code overlapSeconds} (0: it stops at once). A secret rotated before is dropped.
     */
    @WriteTransaction
    public Endpoint rotateSecret(String integratorId, String actor, String id, long overlapSeconds) {
        response.claimInTransaction();
        Endpoint e = find(integratorId, id, true);
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        String secret = WebhookSignatures.newSecret();
        Instant previousUntil = overlapSeconds > 0 ? now.plusSeconds(overlapSeconds) : null;
        Db.update(ds, "UPDATE webhook_endpoints SET secret = ?, previous_secret = ?, previous_secret_expires_at = ?, updated_at = ? "
                + "WHERE id = ?", secrets.store(secret, id), previousUntil == null ? null : e.secret(), ts(previousUntil), ts(now), id);
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("integratorId", integratorId);
        payload.put("previousSecretExpiresAt", previousUntil == null ? now.toString() : previousUntil.toString());
        audit.append(actor, "webhook.secret_rotated", id, payload);
        Endpoint rotated = new Endpoint(e.id(), integratorId, e.url(), e.events(), e.description(), e.status(), secret,
                previousUntil == null ? null : e.secret(), previousUntil, e.createdAt(), now);
        response.storeSealedInTransaction(200, () -> WebhookResource.view(rotated, true));
        return rotated;
    }

    /** Every attempt to deliver to the endpoint, newest first; {@code eventId} narrows to one event. */
    @Transactional
    public Page<Attempt> attempts(String integratorId, String endpointId, String eventId, int limit, String cursor) {
        find(integratorId, endpointId, false);
        List<Object> args = new ArrayList<>(List.of(endpointId));
        StringBuilder sql = new StringBuilder("SELECT a.id, a.delivery_id, a.event_id, e.type, a.attempt, a.attempted_at, "
                + "a.status_code, a.duration_millis, a.outcome, a.error, a.response_excerpt, d.status, d.next_attempt_at "
                + "FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id JOIN webhook_events e ON e.id = a.event_id "
                + "WHERE a.endpoint_id = ?");
        if (eventId != null) {
            sql.append(" AND a.event_id = ?");
            args.add(eventId);
        }
        KeysetCursor.appendPage(sql, args, cursor, "a.attempted_at", "a.id", limit);
        List<Attempt> rows = Db.query(ds, sql.toString(), rs -> new Attempt(rs.getString(1), rs.getString(2), rs.getString(3),
                rs.getString(4), rs.getInt(5), instant(rs, 6), (Integer) rs.getObject(7), rs.getLong(8), rs.getString(9),
                rs.getString(10), rs.getString(11), rs.getString(12), instant(rs, 13)), args.toArray());
        if (rows.size() <= limit) return new Page<>(rows, null);
        rows = rows.subList(0, limit);
        Attempt last = rows.getLast();
        return new Page<>(rows, new KeysetCursor(last.attemptedAt(), last.id()).encode());
    }

    /** The integrator's live endpoint (locked for an update), else 404 like an unknown id. */
    private Endpoint find(String integratorId, String id, boolean forUpdate) {
        List<Endpoint> rows = Db.query(ds, "SELECT " + ENDPOINT_COLUMNS + " FROM webhook_endpoints "
                + "WHERE id = ? AND integrator_id = ? AND status = 'ENABLED'" + (forUpdate ? " FOR UPDATE" : ""),
                WebhookService::endpoint, id, integratorId);
        if (rows.isEmpty()) throw ApiException.notFound("webhook endpoint " + id);
        return rows.getFirst();
    }

    static Endpoint endpoint(ResultSet rs) throws SQLException {
        return new Endpoint(rs.getString(1), rs.getString(2), rs.getString(3),
                Arrays.asList((String[]) rs.getArray(4).getArray()), rs.getString(5), rs.getString(6), rs.getString(7),
                rs.getString(8), instant(rs, 9), instant(rs, 10), instant(rs, 11));
    }

    static Instant instant(ResultSet rs, int column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    /** A JDBC timestamptz parameter. */
    static OffsetDateTime ts(Instant i) {
        return i == null ? null : i.atOffset(ZoneOffset.UTC);
    }
}
