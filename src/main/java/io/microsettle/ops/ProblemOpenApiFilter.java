package io.microsettle.ops;

import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.media.Schema;

import java.util.List;
import java.util.Map;

/** Documents the RFC 9457 problem body and the refusals every /v1 operation can give. */
public class ProblemOpenApiFilter implements OASFilter {
    static final Map<String, String> COMMON = Map.of(
            "400", "Bad input: malformed_json, validation_failed (names the field), invalid_amount, invalid_address",
            "401", "unauthenticated: no valid bearer token",
            "403", "forbidden: the token's role may not call this",
            "404", "not_found: unknown id, or another integrator's");
    static final Map<String, String> POSTS = Map.of(
            "409", "Conflict: account_exists, duplicate_reference, quote_used, idempotency_key_reused, idempotency_in_progress",
            "422", "Refused: insufficient_balance, quote_expired, bad_signature, verification_required, verification_expired, "
                    + "unknown_verifier_key, untrusted_issuer, subject_mismatch, unsupported_algorithm, invalid_claims");

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
        if (openAPI.getPaths() == null || openAPI.getPaths().getPathItems() == null) return;
        for (var e : openAPI.getPaths().getPathItems().entrySet()) {
            if (!e.getKey().startsWith("/v1/")) continue;
            for (var op : e.getValue().getOperations().entrySet()) {
                add(op.getValue(), COMMON);
                if (op.getKey() == PathItem.HttpMethod.POST) add(op.getValue(), POSTS);
            }
        }
    }

    private static void add(Operation op, Map<String, String> responses) {
        if (op.getResponses() == null) op.setResponses(OASFactory.createAPIResponses());
        responses.forEach((status, description) -> {
            if (op.getResponses().hasAPIResponse(status)) return;
            op.getResponses().addAPIResponse(status, OASFactory.createAPIResponse().description(description)
                    .content(OASFactory.createContent().addMediaType(Problem.MEDIA_TYPE,
                            OASFactory.createMediaType().schema(OASFactory.createSchema().ref("Problem")))));
        });
    }
}
