package io.microsettle.webhook;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.microsettle.ledger.Amounts;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code data} of a webhook event and the body sent (plain Java). A cash-out event's data is
 * the cash-out as of that event, in the shape of {@code GET /v1/cashouts/{id}}: the fields that
 * never change come from the cash-out row, the status from the event type, and what the audit
 * payload carries (reason, batchId, txHash, blockNumber, logIndex, confirmations); settledAt is
 * the settled event's time. {@code escrow.low}'s data is its audit payload. The body is
 * {@code {"id","type","createdAt","data"}}, rendered once and sent byte for byte on every attempt.
 */
public final class WebhookEventData {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() {};

    /** What the cash-out row says and never changes once set (batchId is set once, at BATCHED). */
    public record CashoutFacts(String id, String accountId, String quoteId, long grossBaseUnits, long feeBaseUnits,
                               long netBaseUnits, String destination, String wallet, Instant createdAt, String batchId) {}

    private WebhookEventData() {}

    /** The cash-out as of an audit event that became {@code webhookType}. */
    public static Map<String, Object> cashout(String webhookType, Instant eventAt, Map<String, Object> payload, CashoutFacts c) {
        if (!WebhookEventTypes.isCashoutEvent(webhookType)) throw new IllegalArgumentException("not a cash-out event: " + webhookType);
        String status = webhookType.substring("cashout.".length()).toUpperCase(Locale.ROOT);
        boolean pastBatching = status.equals("SUBMITTED") || status.equals("SETTLED") || status.equals("FAILED");
        Object batchId = payload.get("batchId");
        if (batchId == null && pastBatching) batchId = c.batchId();
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("id", c.id());
        d.put("accountId", c.accountId());
        d.put("quoteId", c.quoteId());
        d.put("status", status);
        d.put("gross", Amounts.format(c.grossBaseUnits()));
        d.put("fee", Amounts.format(c.feeBaseUnits()));
        d.put("net", Amounts.format(c.netBaseUnits()));
        d.put("destination", c.destination());
        d.put("wallet", c.wallet());
        d.put("reason", reason(status, payload));
        d.put("batchId", batchId);
        d.put("txHash", payload.get("txHash"));
        d.put("blockNumber", asLong(payload.get("blockNumber")));
        d.put("logIndex", asLong(payload.get("logIndex")));
        d.put("confirmations", asLong(payload.get("confirmations")));
        d.put("createdAt", c.createdAt().toString());
        d.put("settledAt", status.equals("SETTLED") ? eventAt.toString() : null);
        return d;
    }

    /** {@code escrow.low}: the audit payload as it is. */
    public static Map<String, Object> escrowLow(Map<String, Object> payload) {
        return new LinkedHashMap<>(payload);
    }

    /** {@code settlement.paused}, {@code settlement.unpaused}, {@code settlement.stalled}: the audit payload as it is. */
    public static Map<String, Object> operator(Map<String, Object> payload) {
        return new LinkedHashMap<>(payload);
    }

    /** The body of every delivery of the event. */
    public static String body(String eventId, String type, Instant createdAt, Map<String, Object> data) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", eventId);
        body.put("type", type);
        body.put("createdAt", createdAt.toString());
        body.put("data", data);
        try {
            return JSON.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("event data is not JSON: " + e.getMessage(), e);
        }
    }

    /** An audit payload (canonical JSON) as a map. */
    public static Map<String, Object> parsePayload(String payloadJson) {
        try {
            return JSON.readValue(payloadJson, MAP);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("audit payload is not a JSON object", e);
        }
    }

    /** The reason the payload gives; for a hold, its reason codes from the findings, comma-separated. */
    private static Object reason(String status, Map<String, Object> payload) {
        if (payload.get("reason") instanceof String r) return r;
        if (status.equals("HELD") && payload.get("holdFindings") instanceof List<?> findings) {
            List<String> codes = new ArrayList<>();
            for (Object f : findings) {
                if (f instanceof Map<?, ?> m && m.get("reason") instanceof String code) codes.add(code);
            }
            return codes.isEmpty() ? null : String.join(",", codes);
        }
        return null;
    }

    private static Long asLong(Object v) {
        return v instanceof Number n ? n.longValue() : null;
    }
}
