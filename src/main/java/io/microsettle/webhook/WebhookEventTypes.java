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
 * Integrators' endpoints take the cash-out and escrow events; operators' endpoints (created by an
 * operator or admin, owned by {@link #OPERATORS_OWNER}) take the settlement events.
 */
public final class WebhookEventTypes {
    public static final String ESCROW_LOW = "escrow.low";

    /** What an integrator's endpoint can subscribe to, in the order the API documents them. */
    public static final List<String> ALL = List.of("cashout.queued", "cashout.held", "cashout.rejected",
            "cashout.submitted", "cashout.settled", "cashout.failed", ESCROW_LOW);

    /** What an operators' endpoint can subscribe to: the admin pause and unpause, and the settlement alert. */
    public static final List<String> OPERATOR = List.of("settlement.paused", "settlement.unpaused", "settlement.stalled");

    /** The owner of operators' endpoints (in place of an integrator id; no integrator may have it as its id). */
    public static final String OPERATORS_OWNER = "@operators";

    private static final Map<String, String> FROM_AUDIT;

    static {
        Map<String, String> m = new LinkedHashMap<>();
        for (String t : ALL) m.put(t, t);
        for (String t : OPERATOR) m.put(t, t);
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

    /** Whether the audit event's subject is a cash-out id (else {@code integrator:<id>}). */
    public static boolean isCashoutEvent(String webhookType) {
        return webhookType.startsWith("cashout.");
    }

    /** Whether the event goes to operators' endpoints (its audit subject is not an integrator's). */
    public static boolean isOperatorEvent(String webhookType) {
        return OPERATOR.contains(webhookType);
    }

    /** An integrator's subscription: see {@link #subscription(List, List)} with {@link #ALL}. */
    public static List<String> subscription(List<String> events) {
        return subscription(events, ALL);
    }

    /**
     * A subscription as given: non-empty, each a type of {@code allowed}, no repeats. Refused with 400
     * {@code validation_failed} naming the field (and the unknown type).
     */
    public static List<String> subscription(List<String> events, List<String> allowed) {
        if (events == null || events.isEmpty()) throw ApiException.validation("events", "at least one event type is required");
        if (events.size() > allowed.size()) {
            throw ApiException.validation("events", "at most " + allowed.size() + " distinct event types");
        }
        Set<String> seen = new LinkedHashSet<>();
        for (int i = 0; i < events.size(); i++) {
            String e = events.get(i);
            if (e == null || e.isEmpty()) throw ApiException.validation("events[" + i + "]", "is required");
            if (!allowed.contains(e)) {
                throw ApiException.validation("events[" + i + "]", "'" + shorten(e) + "' is not an event type (one of "
                        + String.join(", ", allowed) + ")");
            }
            if (!seen.add(e)) throw ApiException.validation("events[" + i + "]", "'" + e + "' is listed twice");
        }
        return List.copyOf(seen);
    }

    private static String shorten(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "…";
    }
}
