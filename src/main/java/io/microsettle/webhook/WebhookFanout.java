package io.microsettle.webhook;

import io.agroal.api.AgroalDataSource;
import io.microsettle.infra.Db;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The audit log is the outbox: every cash-out transition appends its audit event in its own
 * transaction, and the sealer links committed events into seq order without gaps (it moves the
 * audit_head row in the same transaction). A pass reads the events after a stored cursor up to the committed head (at
 * most {@code fanout-batch-size}), and for each one that becomes a webhook event, for each ENABLED
 * endpoint of the owning integrator that subscribes to its type and was created before it in
 * the audit log (the event's seq is after the endpoint's webhook.created seq), inserts the
 * webhook event (id = the audit event's id; rendered once) and a PENDING delivery; then moves
 * the cursor. All in one transaction, with the cursor row locked (one
 * replica fans out at a time); re-running a range inserts nothing twice.
 */
@ApplicationScoped
public class WebhookFanout {
    @Inject
    AgroalDataSource ds;
    @Inject
    WebhookConfig config;

    /** What one pass did: the audit range (fromSeq, toSeq], events and deliveries written; busy = another replica has the cursor. */
    public record PassResult(long fromSeq, long toSeq, int events, int deliveries, boolean busy, boolean full) {}

    private record AuditRow(long seq, String id, Instant at, String auditType, String webhookType, String subject, String payloadJson) {}

    private record CashoutRow(String integratorId, WebhookEventData.CashoutFacts facts) {}

    private record Subscriber(String id, Set<String> events, long createdSeq) {}

    @Transactional
    public PassResult pass() {
        List<Long> cursor = Db.query(ds, "SELECT last_seq FROM webhook_fanout_cursor WHERE id = 1 FOR UPDATE SKIP LOCKED",
                rs -> rs.getLong(1));
        if (cursor.isEmpty()) return new PassResult(0, 0, 0, 0, true, false);
        long from = cursor.getFirst();
        // every seq up to the committed head is committed: the head row moves in the sealing transaction
        long head = Db.query(ds, "SELECT seq FROM audit_head", rs -> rs.getLong(1)).getFirst();
        if (head <= from) return new PassResult(from, from, 0, 0, false, false);
        boolean anyEndpoint = !Db.query(ds, "SELECT 1 FROM webhook_endpoints WHERE status = 'ENABLED' LIMIT 1", rs -> 1).isEmpty();
        // with no endpoint at all nothing can be due: skip to the head without reading the events
        long to = anyEndpoint ? Math.min(head, from + config.fanoutBatchSize()) : head;
        int[] written = anyEndpoint ? fanOut(from, to) : new int[] {0, 0};
        Db.update(ds, "UPDATE webhook_fanout_cursor SET last_seq = ?, updated_at = now() WHERE id = 1", to);
        return new PassResult(from, to, written[0], written[1], false, to < head);
    }

    private int[] fanOut(long from, long to) {
        List<AuditRow> events = Db.query(ds, "SELECT seq, id, at, type, subject, payload_json FROM audit_events "
                        + "WHERE seq > ? AND seq <= ? AND type = ANY(?) ORDER BY seq",
                rs -> new AuditRow(rs.getLong(1), rs.getString(2), WebhookService.instant(rs, 3), rs.getString(4),
                        WebhookEventTypes.fromAudit(rs.getString(4)).orElseThrow(), rs.getString(5), rs.getString(6)),
                from, to, WebhookEventTypes.auditTypes());
        if (events.isEmpty()) return new int[] {0, 0};
        Map<String, CashoutRow> cashouts = cashouts(events);
        Map<String, String> ownerOf = new HashMap<>();
        for (AuditRow e : events) {
            String owner = owner(e, cashouts);
            if (owner != null) ownerOf.put(e.id(), owner);
        }
        if (ownerOf.isEmpty()) return new int[] {0, 0};
        Map<String, List<Subscriber>> subscribers = subscribers(new HashSet<>(ownerOf.values()));
        if (subscribers.isEmpty()) return new int[] {0, 0};
        Rows rows = new Rows();
        for (AuditRow e : events) {
            String owner = ownerOf.get(e.id());
            if (owner == null) continue;
            List<String> targets = new ArrayList<>();
            for (Subscriber s : subscribers.getOrDefault(owner, List.of())) {
                if (s.events().contains(e.webhookType()) && e.seq() > s.createdSeq()) targets.add(s.id());
            }
            if (targets.isEmpty()) continue;
            Map<String, Object> payload = WebhookEventData.parsePayload(e.payloadJson());
            Map<String, Object> data = WebhookEventTypes.isCashoutEvent(e.webhookType())
                    ? WebhookEventData.cashout(e.webhookType(), e.at(), payload, cashouts.get(e.subject()).facts())
                    : WebhookEventTypes.isOperatorEvent(e.webhookType()) ? WebhookEventData.operator(payload)
                    : WebhookEventData.escrowLow(payload);
            rows.add(e, owner, WebhookEventData.body(e.id(), e.webhookType(), e.at(), data), targets);
        }
        return rows.eventIds.isEmpty() ? new int[] {0, 0} : insert(rows);
    }

    /** The cash-outs the page's cash-out events are about, in one query. */
    private Map<String, CashoutRow> cashouts(List<AuditRow> events) {
        Set<String> cashoutIds = new LinkedHashSet<>();
        for (AuditRow e : events) if (WebhookEventTypes.isCashoutEvent(e.webhookType())) cashoutIds.add(e.subject());
        Map<String, CashoutRow> cashouts = new HashMap<>();
        if (cashoutIds.isEmpty()) return cashouts;
        Db.query(ds, "SELECT id, integrator_id, account_id, quote_id, gross_base_units, fee_base_units, net_base_units, "
                        + "destination, wallet, created_at, batch_id FROM cashouts WHERE id = ANY(?)",
                rs -> cashouts.put(rs.getString(1), new CashoutRow(rs.getString(2), new WebhookEventData.CashoutFacts(
                        rs.getString(1), rs.getString(3), rs.getString(4), rs.getLong(5), rs.getLong(6), rs.getLong(7),
                        rs.getString(8), rs.getString(9), WebhookService.instant(rs, 10), rs.getString(11)))),
                (Object) cashoutIds.toArray(String[]::new));
        return cashouts;
    }

    /** The owners' enabled endpoints; one whose webhook.created event is not sealed yet subscribed after every event sealed so far. */
    private Map<String, List<Subscriber>> subscribers(Set<String> owners) {
        Map<String, List<Subscriber>> subscribers = new HashMap<>();
        Db.query(ds, "SELECT w.id, w.integrator_id, w.events, coalesce(e.seq, " + Long.MAX_VALUE + ") FROM webhook_endpoints w "
                        + "LEFT JOIN audit_events e ON e.id = w.created_event_id "
                        + "WHERE w.status = 'ENABLED' AND w.integrator_id = ANY(?)",
                rs -> subscribers.computeIfAbsent(rs.getString(2), k -> new ArrayList<>()).add(new Subscriber(rs.getString(1),
                        new HashSet<>(Arrays.asList((String[]) rs.getArray(3).getArray())), rs.getLong(4))),
                (Object) owners.toArray(String[]::new));
        return subscribers;
    }

    /** The webhook events and deliveries of a page, as columns. */
    private static final class Rows {
        final List<String> eventIds = new ArrayList<>(), owners = new ArrayList<>(), types = new ArrayList<>();
        final List<String> createdAts = new ArrayList<>(), bodies = new ArrayList<>();
        final List<Long> seqs = new ArrayList<>();
        final List<String> deliveryIds = new ArrayList<>(), deliveryEndpoints = new ArrayList<>(), deliveryEvents = new ArrayList<>();

        void add(AuditRow e, String owner, String body, List<String> targets) {
            eventIds.add(e.id());
            seqs.add(e.seq());
            owners.add(owner);
            types.add(e.webhookType());
            createdAts.add(e.at().toString());
            bodies.add(body);
            for (String endpoint : targets) {
                deliveryIds.add(io.microsettle.infra.Ids.newId("whd"));
                deliveryEndpoints.add(endpoint);
                deliveryEvents.add(e.id());
            }
        }
    }

    private int[] insert(Rows r) {
        int inserted = Db.update(ds, "INSERT INTO webhook_events (id, audit_seq, integrator_id, type, created_at, body) "
                        + "SELECT * FROM unnest(?::text[], ?::bigint[], ?::text[], ?::text[], (?::text[])::timestamptz[], ?::text[]) "
                        + "ON CONFLICT DO NOTHING",
                r.eventIds.toArray(String[]::new), r.seqs.toArray(Long[]::new), r.owners.toArray(String[]::new),
                r.types.toArray(String[]::new), r.createdAts.toArray(String[]::new), r.bodies.toArray(String[]::new));
        int deliveries = Db.update(ds, "INSERT INTO webhook_deliveries (id, endpoint_id, event_id, status, attempts, next_attempt_at, "
                        + "created_at, updated_at) SELECT d.id, d.endpoint_id, d.event_id, 'PENDING', 0, now(), now(), now() "
                        + "FROM unnest(?::text[], ?::text[], ?::text[]) AS d(id, endpoint_id, event_id) "
                        + "ON CONFLICT (endpoint_id, event_id) DO NOTHING",
                r.deliveryIds.toArray(String[]::new), r.deliveryEndpoints.toArray(String[]::new), r.deliveryEvents.toArray(String[]::new));
        return new int[] {inserted, deliveries};
    }

    /** The integrator an event belongs to, or null (a cash-out row that is not there). */
    private static String owner(AuditRow e, Map<String, CashoutRow> cashouts) {
        if (WebhookEventTypes.isCashoutEvent(e.webhookType())) {
            CashoutRow c = cashouts.get(e.subject());
            return c == null ? null : c.integratorId();
        }
        if (WebhookEventTypes.isOperatorEvent(e.webhookType())) return WebhookEventTypes.OPERATORS_OWNER;
        String prefix = "integrator:";
        return e.subject().startsWith(prefix) && e.subject().length() > prefix.length() ? e.subject().substring(prefix.length()) : null;
    }
}
