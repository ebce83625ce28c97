package io.microsettle.infra;

import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.parameters.Parameter;
import org.eclipse.microprofile.openapi.models.security.SecurityScheme;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Documents the RFC 9457 problem body and the refusals every /v1 operation can give (with an
 * example problem per status), the bearer scheme, the Idempotency-Key header on POSTs, and an
 * example request body per operation.
 */
public class ProblemOpenApiFilter implements OASFilter {
    /** status -> (description naming the codes, example code). */
    static final Map<String, String[]> COMMON = ordered(
            "400", new String[]{"Bad input: malformed_json, validation_failed (names the field), unknown_field (a field the request "
                    + "does not define, e.g. server-owned id, status, fee, net, wallet), invalid_amount, invalid_address", "validation_failed"},
            "401", new String[]{"unauthenticated (no bearer token), token_expired (past exp or older than the maximum token age), "
                    + "invalid_token (signature, algorithm, kid, issuer, audience or format)", "invalid_token"},
            "403", new String[]{"forbidden: the token's role may not call this", "forbidden"},
            "404", new String[]{"not_found: unknown id, or another integrator's", "not_found"},
            "405", new String[]{"method_not_allowed", "method_not_allowed"},
            "429", new String[]{"rate_limited: over the caller's request rate; retry after Retry-After seconds", "rate_limited"});
    static final Map<String, String[]> POSTS = ordered(
            "409", new String[]{"Conflict: account_exists, duplicate_reference, quote_used, wallet_rebind_required, "
                    + "idempotency_key_reused, idempotency_in_progress, idempotency_response_sealed, review_decided, webhook_limit_reached, discrepancy_acknowledged", "quote_used"},
            "415", new String[]{"unsupported_media_type: send application/json", "unsupported_media_type"},
            "422", new String[]{"Refused: insufficient_balance, quote_expired, bad_signature, verification_required, "
                    + "verification_expired, verification_not_yet_valid, unknown_verifier_key, untrusted_issuer, subject_mismatch, "
                    + "unsupported_algorithm, invalid_claims, verification_unavailable, limit_exceeded (members limit, limitValue, "
                    + "headroom, maxAllowedNow), insufficient_escrow", "bad_signature"});
    /** "METHOD path" -> 503 refusals the operation can give (a dependency it reads is down; Retry-After says when to retry). */
    static final Map<String, String[]> UNAVAILABLE = Map.of(
            "POST /v1/accounts/{id}/verification", new String[]{"verification_unavailable: no trusted verifier's keys could be "
                    + "read yet; nothing was written; retry after Retry-After seconds", "verification_unavailable"},
            "POST /v1/quotes", new String[]{"network_fee_unavailable: the chain's fees could not be read (and no recent answer is "
                    + "cached); retry after Retry-After seconds", "network_fee_unavailable"},
            "POST /v1/cashouts", new String[]{"chain_unavailable: the integrator's escrow balance could not be read from the chain; "
                    + "nothing was written; retry after Retry-After seconds", "chain_unavailable"},
            "GET /v1/escrow", new String[]{"chain_unavailable: the escrow balance could not be read from the chain; retry after "
                    + "Retry-After seconds", "chain_unavailable"},
            "GET /v1/audit/verify", new String[]{"chain_unavailable: the latest anchor could not be read from the chain, so the log "
                    + "cannot be checked against it now; retry after Retry-After seconds", "chain_unavailable"},
            "GET /v1/audit/cashouts/{id}/proof", new String[]{"chain_unavailable: the payout's receipt could not be read from the "
                    + "chain; retry after Retry-After seconds", "chain_unavailable"});
    /** Every operation: the database is saturated (TransactionRetry). */
    static final String[] BUSY = {"busy: the request conflicted with concurrent ones " + TransactionRetry.MAX_ATTEMPTS
            + " times, or no database connection was free in time; nothing was written; retry after Retry-After seconds", "busy"};
    /** "METHOD path" -> example request body. */
    static final Map<String, Object> BODY_EXAMPLES = Map.of(
            "POST /v1/webhooks", Map.of("url", "https://hooks.example.com/microsettle",
                    "events", List.of("cashout.settled", "cashout.failed", "escrow.low"), "description", "payouts service"),
            "POST /v1/webhooks/{id}/rotate-secret", Map.of("expiresInSeconds", 3600),
            "POST /v1/accounts", Map.of("externalRef", "user-42"),
            "POST /v1/audit/discrepancies/{id}/acknowledge", Map.of("note", "payout 900001 was a manual test payout; funds accounted for"),
            "POST /v1/accounts/{id}/verification", Map.of("token", "eyJhbGciOiJFUzI1NiIsImtpZCI6InZlcmlmaWVyLTEifQ.eyJpc3MiOiJodHRwczovL3Zlcmlm"
                    + "aWVyLmV4YW1wbGUiLCJzdWIiOiJ1c2VyLTQyIn0.c2lnbmF0dXJl", "rebindWallet", false),
            "POST /v1/credits", Map.of("items", List.of(Map.of("accountId", "acct_3f9c2a", "amount", "1250000", "reference", "tip-0001"))),
            "POST /v1/quotes", Map.of("accountId", "acct_3f9c2a", "amount", "2000000",
                    "destination", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
            "POST /v1/cashouts", Map.of("quoteId", "quote_8d1e07", "signature", "0x" + "4355c47d63924e8a72e509b65029052eb6c299d53a04e167c5775fd466751c9d"
                    + "07299936d304c153f6443dfa05f40ff007d72911b6f72307f996231605b915621c"));

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        Schema str = OASFactory.createSchema().addType(Schema.SchemaType.STRING);
        Schema problem = OASFactory.createSchema().addType(Schema.SchemaType.OBJECT)
                .description("RFC 9457 problem details; `code` is stable and machine-readable")
                .properties(Map.of("type", str, "title", str, "detail", str, "code", str, "instance", str,
                        "status", OASFactory.createSchema().addType(Schema.SchemaType.INTEGER)))
                .required(List.of("type", "title", "status", "code"));
        if (openAPI.getComponents() == null) openAPI.setComponents(OASFactory.createComponents());
        openAPI.getComponents().addSchema("Problem", problem);
        if (openAPI.getComponents().getSecuritySchemes() != null) {
            SecurityScheme bearer = openAPI.getComponents().getSecuritySchemes().get("bearer");
            if (bearer != null) {
                bearer.bearerFormat("JWT").description("Authorization: Bearer <JWT>. RS256 (pinned), issuer and audience pinned, "
                        + "roles in the groups claim (integrator, auditor, operator, admin); keys from a PEM or JWKS file or URL "
                        + "selected by kid. Refusals: 401 unauthenticated, token_expired, invalid_token.");
            }
        }
        if (openAPI.getPaths() == null || openAPI.getPaths().getPathItems() == null) return;
        for (var e : openAPI.getPaths().getPathItems().entrySet()) {
            if (!e.getKey().startsWith("/v1/")) continue;
            for (var op : e.getValue().getOperations().entrySet()) {
                add(op.getValue(), COMMON, e.getKey());
                if (op.getKey() == PathItem.HttpMethod.POST || op.getKey() == PathItem.HttpMethod.PUT) {
                    add(op.getValue(), POSTS, e.getKey());
                }
                String[] unavailable = UNAVAILABLE.get(op.getKey() + " " + e.getKey());
                add(op.getValue(), Map.of("503", unavailable == null ? BUSY
                        : new String[]{unavailable[0] + ". Also " + BUSY[0], unavailable[1]}), e.getKey());
                if (op.getKey() == PathItem.HttpMethod.POST) idempotencyKey(op.getValue());
                pagination(op.getValue());
                Object example = BODY_EXAMPLES.get(op.getKey() + " " + e.getKey());
                if (example != null && op.getValue().getRequestBody() != null && op.getValue().getRequestBody().getContent() != null) {
                    op.getValue().getRequestBody().getContent().getMediaTypes().values().forEach(m -> m.setExample(example));
                }
            }
        }
    }

    /** Lists: {@code limit} is bounded (a larger one is 400 validation_failed), {@code cursor} is opaque. */
    private static void pagination(Operation op) {
        if (op.getParameters() == null) return;
        for (Parameter p : op.getParameters()) {
            if ("limit".equals(p.getName()) && p.getDescription() == null) {
                p.description("Page size: a whole number from 1 to the list's maximum (cash-outs 100, audit events 1000, webhooks and "
                        + "their delivery attempts 100, discrepancies 200); "
                        + "outside that, 400 validation_failed. Absent: the list's default.").example("20");
            } else if (("cursor".equals(p.getName()) || "after".equals(p.getName())) && p.getDescription() == null) {
                p.description("Where the page starts: the nextCursor of the previous page (null on the last page).");
            }
        }
    }

    private static void idempotencyKey(Operation op) {
        if (op.getParameters() != null && op.getParameters().stream().anyMatch(p -> "Idempotency-Key".equals(p.getName()))) return;
        op.addParameter(OASFactory.createParameter().name("Idempotency-Key").in(Parameter.In.HEADER).required(false)
                .description("Makes a retry safe: the same key with the same body answers the first response again; "
                        + "with another body, 409 idempotency_key_reused. Kept at least 24 h, per caller (an integrator, or one operator or admin).")
                .schema(OASFactory.createSchema().addType(Schema.SchemaType.STRING).maxLength(255))
                .example("3d6f0a52-8a3e-4c39-9d0b-0d3c1f1a9b7e"));
    }

    private static void add(Operation op, Map<String, String[]> responses, String path) {
        if (op.getResponses() == null) op.setResponses(OASFactory.createAPIResponses());
        responses.forEach((status, d) -> {
            var existing = op.getResponses().getAPIResponse(status);
            boolean hasProblem = existing != null && existing.getContent() != null && existing.getContent().hasMediaType(Problem.MEDIA_TYPE);
            if (hasProblem) return;
            int code = Integer.parseInt(status);
            Map<String, Object> example = new LinkedHashMap<>();
            example.put("type", Problem.TYPE_PREFIX + d[1]);
            example.put("title", Problem.title(code));
            example.put("status", code);
            example.put("detail", "what was wrong, in words");
            example.put("code", d[1]);
            example.put("instance", path);
            var response = OASFactory.createAPIResponse().description(d[0])
                    .content(OASFactory.createContent().addMediaType(Problem.MEDIA_TYPE,
                            OASFactory.createMediaType().schema(OASFactory.createSchema().ref("Problem")).example(example)));
            if (code == 429 || code == 503) {
                response.addHeader("Retry-After", OASFactory.createHeader().description("seconds to wait")
                        .schema(OASFactory.createSchema().addType(Schema.SchemaType.INTEGER)));
            }
            op.getResponses().addAPIResponse(status, response);
        });
    }

    private static Map<String, String[]> ordered(Object... kv) {
        Map<String, String[]> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], (String[]) kv[i + 1]);
        return m;
    }
}
