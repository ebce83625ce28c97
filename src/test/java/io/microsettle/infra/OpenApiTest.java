package io.microsettle.infra;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.notNullValue;

@QuarkusTest
class OpenApiTest {
    /** Every operation of the API as this branch serves it. */
    static final List<String[]> OPERATIONS = List.of(
            new String[]{"/v1/accounts", "post"}, new String[]{"/v1/accounts/{id}", "get"},
            new String[]{"/v1/accounts/{id}/verification", "post"}, new String[]{"/v1/credits", "post"},
            new String[]{"/v1/quotes", "post"}, new String[]{"/v1/cashouts", "post"}, new String[]{"/v1/cashouts", "get"},
            new String[]{"/v1/cashouts/{id}", "get"}, new String[]{"/v1/audit/events", "get"}, new String[]{"/v1/audit/verify", "get"},
            new String[]{"/v1/webhooks", "post"}, new String[]{"/v1/webhooks", "get"}, new String[]{"/v1/webhooks/{id}", "get"},
            new String[]{"/v1/webhooks/{id}", "delete"}, new String[]{"/v1/webhooks/{id}/rotate-secret", "post"},
            new String[]{"/v1/webhooks/{id}/deliveries", "get"}, new String[]{"/v1/audit/anchors", "get"},
            new String[]{"/v1/audit/anchors/consistency", "get"}, new String[]{"/v1/audit/events/{seq}/proof", "get"},
            new String[]{"/v1/audit/cashouts/{id}/proof", "get"}, new String[]{"/v1/audit/export", "get"});

    @Test
    void documentsEndpointsBearerAndProblems() {
        given().queryParam("format", "json").get("/q/openapi").then().statusCode(200)
                .body("paths.'/v1/cashouts'.post.responses.'422'.description", containsString("bad_signature"))
                .body("paths.'/v1/accounts/{id}'.get.responses.'404'", notNullValue())
                .body("components.schemas.Problem.properties.code", notNullValue())
                .body("components.securitySchemes.bearer.scheme", containsString("bearer"))
                .body("components.securitySchemes.bearer.bearerFormat", containsString("JWT"))
                .body("paths.'/v1/credits'.post.security", notNullValue())
                .body("paths.'/v1/audit/verify'.get", notNullValue());
    }

    @Test
    void everyOperationHasBearerProblemsWithExamplesAndPostsHaveBodyExamples() {
        JsonPath doc = given().queryParam("format", "json").get("/q/openapi").then().statusCode(200).extract().jsonPath();
        for (String[] op : OPERATIONS) {
            String base = "paths.'" + op[0] + "'." + op[1];
            assertThat(doc.getList(base + ".security")).as(base + " security").isNotEmpty();
            for (String status : List.of("400", "401", "403", "404", "429")) {
                Map<String, Object> example = doc.getMap(base + ".responses.'" + status + "'.content.'application/problem+json'.example");
                assertThat(example).as(base + " " + status + " example").containsKeys("type", "title", "status", "code");
            }
            assertThat(doc.getString(base + ".responses.'401'.description")).contains("unauthenticated", "token_expired", "invalid_token");
            assertThat(doc.getMap(base + ".responses.'429'.headers")).containsKey("Retry-After");
            if (op[1].equals("post")) {
                assertThat(doc.getString(base + ".responses.'400'.description")).contains("unknown_field", "invalid_amount");
                assertThat(doc.getMap(base + ".requestBody.content.'application/json'.example")).as(base + " body example").isNotEmpty();
                assertThat(doc.getList(base + ".parameters.name", String.class)).contains("Idempotency-Key");
                assertThat(doc.getString(base + ".responses.'409'.description")).contains("idempotency_key_reused");
            }
        }
        assertThat(doc.getString("paths.'/v1/accounts/{id}/verification'.post.responses.'422'.description"))
                .contains("verification_expired", "unknown_verifier_key", "untrusted_issuer", "subject_mismatch",
                        "unsupported_algorithm", "verification_not_yet_valid");
        for (String[] op : new String[][]{{"/v1/accounts/{id}/verification", "post", "verification_unavailable"},
                {"/v1/quotes", "post", "network_fee_unavailable"}, {"/v1/cashouts", "post", "chain_unavailable"},
                {"/v1/escrow", "get", "chain_unavailable"}}) {
            String base = "paths.'" + op[0] + "'." + op[1] + ".responses.'503'";
            assertThat(doc.getString(base + ".description")).as(base).contains(op[2]);
            assertThat(doc.getString(base + ".content.'application/problem+json'.example.code")).isEqualTo(op[2]);
            assertThat(doc.getMap(base + ".headers")).containsKey("Retry-After");
        }
        // every operation may be answered 503 busy (the database saturated), with Retry-After; only these also name a dependency
        String busy = "paths.'/v1/cashouts/{id}'.get.responses.'503'";
        assertThat(doc.getString(busy + ".description")).contains("busy").doesNotContain("chain_unavailable");
        assertThat(doc.getString(busy + ".content.'application/problem+json'.example.code")).isEqualTo("busy");
        assertThat(doc.getMap(busy + ".headers")).containsKey("Retry-After");
        assertThat(doc.getString("paths.'/v1/cashouts'.post.responses.'503'.description")).contains("chain_unavailable", "busy");
        assertThat(doc.getString("paths.'/v1/cashouts'.get.parameters.name")).contains("limit", "cursor");
        assertThat(doc.getString("paths.'/v1/webhooks'.post.responses.'409'.description")).contains("webhook_limit_reached");
        assertThat(doc.getString("paths.'/v1/webhooks'.post.description")).contains("whsec_");
        assertThat(doc.getMap("paths.'/v1/webhooks'.post.requestBody.content.'application/json'.example"))
                .containsKeys("url", "events", "description");
        assertThat(doc.getMap("paths.'/v1/webhooks/{id}/rotate-secret'.post.requestBody.content.'application/json'.example"))
                .containsKey("expiresInSeconds");
        assertThat(doc.getString("paths.'/v1/webhooks/{id}/deliveries'.get.parameters.name")).contains("eventId", "limit", "cursor");
        for (String list : List.of("/v1/cashouts", "/v1/audit/events", "/v1/audit/anchors", "/v1/webhooks", "/v1/webhooks/{id}/deliveries")) {
            List<Map<String, Object>> params = doc.getList("paths.'" + list + "'.get.parameters");
            assertThat(params).filteredOn(p -> "limit".equals(p.get("name")))
                    .singleElement().satisfies(p -> assertThat((String) p.get("description")).contains("validation_failed"));
        }
    }

    @Test
    void swaggerUiIsServed() {
        given().get("/q/swagger-ui/").then().statusCode(200);
    }
}
