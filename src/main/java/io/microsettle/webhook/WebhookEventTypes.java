package io.microsettle.webhook;

import io.microsettle.infra.ApiException;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The webhook event types and which audit event types become them (plain Java). A reorg that
 * moves a cash-out back ({@code cashout.reorged}) is sent as {@code cashout.submitted}, its status.
 */
public final class WebhookEventTypes {
    public static final String ESCROW_LOW = "escrow.low";
    /** A new disagreement between the chain and the store, to the endpoints of the integrator whose cash-out it concerns. */
    public static final String DISCREPANCY_OPENED = "discrepancy.opened";

    /** What an endpoint can subscribe to, in the order the API documents them. */
    public static final List<String> ALL = List.of("cashout.queued", "cashout.held", "cashout.rejected",
            "cashout.submitted", "cashout.settled", "cashout.failed", ESCROW_LOW, DISCREPANCY_OPENED);

    private static final Map<String, String> FROM_AUDIT;

    static {
        Map<String, String> m = new LinkedHashMap<>();
        for (String t : ALL) m.put(t, t);
        m.put("cashout.reorged", "cashout.submitted");
        FROM_AUDIT = Map.copyOf(m);
    }

    private WebhookEventTypes() {}

    /** The webhook type an audit event type becomes, if any. */
    public static Optional<String> fromAudit(String auditType) {
        return Optional.ofNullable(FROM_AUDIT.get(auditType));
    }

    /** Every audit type that becomes a webhook event (the fan-out's filter). */
    public static String[] auditTypes() {
        return FROM_AUDIT.keySet().stream().sorted().toArray(String[]::new);
    }

    /** Whether the audit event's subject is a cash-out id (else {@code integrator:<id>}; a discrepancy about no known cash-out has no owner and is not sent). */
    public static boolean isCashoutEvent(String webhookType) {
        return webhookType.startsWith("cashout.");
    }

    /**
     * A subscription as given: non-empty, each a known type, no repeats. Refused with 400
     * {@code validation_failed} naming the field (and the unknown type).
     */
    public static List<String> subscription(List<String> events) {
        if (events == null || events.isEmpty()) throw ApiException.validation("events", "at least one event type is required");
        if (events.size() > ALL.size()) {
            throw ApiException.validation("events", "at most " + ALL.size() + " distinct event types");
        }
        Set<String> seen = new LinkedHashSet<>();
        for (int i = 0; i < events.size(); i++) {
            String e = events.get(i);
            if (e == null || e.isEmpty()) throw ApiException.validation("events[" + i + "]", "is required");
            if (!ALL.contains(e)) {
                throw ApiException.validation("events[" + i + "]", "'" + shorten(e) + "' is not an event type (one of "
                        + String.join(", ", ALL) + ")");
            }
            if (!seen.add(e)) throw ApiException.validation("events[" + i + "]", "'" + e + "' is listed twice");
        }
        return List.copyOf(seen);
    }

    private static String shorten(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "…";
    }
}
