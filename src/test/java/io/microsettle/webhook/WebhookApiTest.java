package io.microsettle.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import io.microsettle.audit.AuditEvent;
import io.microsettle.audit.AuditLog;
import io.microsettle.testsupport.Api;
import io.microsettle.testsupport.DbRows;
import io.microsettle.testsupport.Tokens;
import io.microsettle.testsupport.WebhookReceiver;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

import static io.microsettle.testsupport.Api.as;
import static io.microsettle.testsupport.Problems.refusedWithoutWrites;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Webhooks through the API, with real receivers on loopback (JDK HTTP servers) that check the
 * signature themselves: endpoints, events of real cash-outs (queued, held, rejected), retries,
 * secret rotation, the retry window, deletion, and the fan-out's rules (subscription, creation
 * time, idempotency).
 */
@QuarkusTest
class WebhookApiTest {
    static final Duration WAIT = Duration.ofSeconds(30);
    static final String DENIED = "0x000000000000000000000000000000000000dEaD";
    static final List<String> ALL = WebhookEventTypes.ALL;

    @Inject
    DbRows db;
    @Inject
    AuditLog audit;

    /** (token, endpoint id) created by the test, deleted after it so nothing keeps retrying into other tests. */
    final List<String[]> created = new ArrayList<>();

    JsonNode endpoint(String token, String url, List<String> events) {
        JsonNode e = Api.createWebhook(token, url, events);
        created.add(new String[] {token, e.get("id").asText()});
        return e;
    }

    @AfterEach
    void deleteEndpoints() {
        for (String[] c : created) as(c[0]).delete("/v1/webhooks/" + c[1]);
        created.clear();
    }

    static String operator() {
        return Tokens.of("olga", "operator");
    }

    static Predicate<WebhookReceiver.Received> type(String type, String cashoutId) {
        return r -> r.type().equals(type) && r.json().at("/data/id").asText().equals(cashoutId);
    }

    String auditId(String subject, String type) {
        return db.text("SELECT id FROM audit_events WHERE subject = '" + subject + "' AND type = '" + type + "' ORDER BY seq DESC LIMIT 1");
    }

    JsonNode deliveries(String token, String endpointId, String query) {
        return Api.json(as(token).get("/v1/webhooks/" + endpointId + "/deliveries" + query).then().statusCode(200).extract().asString());
    }

    /** Polls the attempts listing until its newest entry is in {@code status}. */
    JsonNode awaitDeliveryStatus(String token, String endpointId, String eventId, String status) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        JsonNode page;
        do {
            page = deliveries(token, endpointId, "?eventId=" + eventId);
            if (page.get("data").size() > 0 && page.at("/data/0/deliveryStatus").asText().equals(status)) return page;
            Thread.sleep(50);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("delivery of " + eventId + " not " + status + ": " + page);
    }

    @Test
    void endpointsAreCreatedListedReadAndDeleted() {
        String integrator = "wh-" + UUID.randomUUID();
        String t = Tokens.integrator(integrator);
        Response r = as(t).body(Map.of("url", "https://hooks.example.com/a", "events", List.of("cashout.settled", "cashout.failed"),
                "description", "ops pager")).post("/v1/webhooks");
        assertThat(r.statusCode()).as(r.asString()).isEqualTo(201);
        JsonNode a = Api.json(r.asString());
        created.add(new String[] {t, a.get("id").asText()});
        String id = a.get("id").asText();
        String secret = a.get("secret").asText();
        assertThat(id).matches("we_[0-9A-Za-z]{20}");
        assertThat(secret).matches("whsec_[A-Za-z0-9_-]{43}");
        assertThat(a.get("url").asText()).isEqualTo("https://hooks.example.com/a");
        assertThat(a.get("events").toString()).isEqualTo("[\"cashout.settled\",\"cashout.failed\"]");
        assertThat(a.get("description").asText()).isEqualTo("ops pager");
        assertThat(a.get("status").asText()).isEqualTo("ENABLED");
        assertThat(a.get("previousSecretExpiresAt").isNull()).isTrue();
        assertThat(Instant.parse(a.get("createdAt").asText())).isBefore(Instant.now().plusSeconds(1));

        // read: never the secret again
        String got = as(t).get("/v1/webhooks/" + id).then().statusCode(200).extract().asString();
        assertThat(Api.json(got).has("secret")).isFalse();
        assertThat(got).doesNotContain(secret);
        assertThat(Api.json(got).get("url").asText()).isEqualTo("https://hooks.example.com/a");
        // audited without the secret
        assertThat(db.scalar("SELECT count(*) FROM audit_events WHERE subject = '" + id + "' AND type = 'webhook.created'"
                + " AND payload_json::jsonb ->> 'integratorId' = '" + integrator + "'")).isEqualTo(1);
        assertThat(db.scalar("SELECT count(*) FROM audit_events WHERE payload_json LIKE '%" + secret.substring(6) + "%'")).isZero();
        // stored encrypted (the test profile sets microsettle.webhooks.secret-encryption-key), bound to the endpoint
        String stored = db.text("SELECT secret FROM webhook_endpoints WHERE id = '" + id + "'");
        assertThat(stored).startsWith("aesgcm:v1:").doesNotContain(secret.substring(6));

        // a list, newest first, in pages
        String b = endpoint(t, "https://hooks.example.com/b", List.of("cashout.queued")).get("id").asText();
        String c = endpoint(t, "https://hooks.example.com/c", List.of("escrow.low")).get("id").asText();
        JsonNode p1 = Api.json(as(t).queryParam("limit", 2).get("/v1/webhooks").then().statusCode(200).extract().asString());
        assertThat(p1.get("data")).hasSize(2);
        assertThat(p1.at("/data/0/id").asText()).isEqualTo(c);
        assertThat(p1.at("/data/1/id").asText()).isEqualTo(b);
        assertThat(p1.toString()).doesNotContain("whsec_");
        JsonNode p2 = Api.json(as(t).queryParam("limit", 2).queryParam("cursor", p1.get("nextCursor").asText()).get("/v1/webhooks")
                .then().statusCode(200).extract().asString());
        assertThat(p2.get("data")).hasSize(1);
        assertThat(p2.at("/data/0/id").asText()).isEqualTo(id);
        assertThat(p2.get("nextCursor").isNull()).isTrue();
        // another integrator sees none of them
        JsonNode others = Api.json(as(Tokens.integrator("wh-other-" + UUID.randomUUID())).get("/v1/webhooks").then().statusCode(200)
                .extract().asString());
        assertThat(others.get("data")).isEmpty();

        // delete: the deleted view, then gone
        JsonNode deleted = Api.json(as(t).delete("/v1/webhooks/" + b).then().statusCode(200).extract().asString());
        assertThat(deleted.get("status").asText()).isEqualTo("DELETED");
        assertThat(deleted.has("secret")).isFalse();
        as(t).get("/v1/webhooks/" + b).then().statusCode(404);
        as(t).delete("/v1/webhooks/" + b).then().statusCode(404);
        JsonNode after = Api.json(as(t).get("/v1/webhooks").then().statusCode(200).extract().asString());
        assertThat(after.get("data")).extracting(n -> n.get("id").asText()).containsExactly(c, id);
        assertThat(db.scalar("SELECT count(*) FROM audit_events WHERE subject = '" + b + "' AND type = 'webhook.deleted'")).isEqualTo(1);
        assertThat(db.text("SELECT secret FROM webhook_endpoints WHERE id = '" + b + "'")).isEmpty();
    }

    @Test
    void idempotencyKeyAnswersTheSameEndpointOnce() throws Exception {
        String integrator = "wh-idem-" + UUID.randomUUID();
        String t = Tokens.integrator(integrator);
        Map<String, Object> body = Map.of("url", "https://hooks.example.com/i", "events", List.of("cashout.queued"));
        Response first = as(t).header("Idempotency-Key", "wh-key-1").body(body).post("/v1/webhooks");
        assertThat(first.statusCode()).isEqualTo(201);
        created.add(new String[] {t, first.jsonPath().getString("id")});
        Response again = as(t).header("Idempotency-Key", "wh-key-1").body(body).post("/v1/webhooks");
        assertThat(again.statusCode()).isEqualTo(201);
        assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(again.jsonPath().getString("id")).isEqualTo(first.jsonPath().getString("id"));
        assertThat(again.jsonPath().getString("secret")).isEqualTo(first.jsonPath().getString("secret"));
        assertThat(db.scalar("SELECT count(*) FROM webhook_endpoints WHERE integrator_id = '" + integrator + "'")).isEqualTo(1);
        // the answer kept for the key is encrypted like the endpoint's secret (the test profile sets the key), not in clear
        String secret = first.jsonPath().getString("secret");
        String kept = keptResponse(integrator, "wh-key-1");
        assertThat(kept).startsWith("aesgcm:v1:").doesNotContain(secret.substring(6));

        // a rotation's answer too, and its replay is the same new secret
        String id = first.jsonPath().getString("id");
        Response rotated = as(t).header("Idempotency-Key", "wh-key-2").body(Map.of("expiresInSeconds", 0)).post("/v1/webhooks/" + id + "/rotate-secret");
        assertThat(rotated.statusCode()).isEqualTo(200);
        String newSecret = rotated.jsonPath().getString("secret");
        assertThat(keptResponse(integrator, "wh-key-2")).startsWith("aesgcm:v1:").doesNotContain(newSecret.substring(6));
        Response rotatedAgain = as(t).header("Idempotency-Key", "wh-key-2").body(Map.of("expiresInSeconds", 0))
                .post("/v1/webhooks/" + id + "/rotate-secret");
        assertThat(rotatedAgain.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(rotatedAgain.jsonPath().getString("secret")).isEqualTo(newSecret);

        // a sealed answer is bound to its key's row: copied to the other key, it does not open there (409, nothing written)
        db.execute("UPDATE idempotency_keys SET response_body = '" + kept + "' WHERE caller_scope = '" + integrator
                + "' AND idempotency_key = 'wh-key-2'");
        refusedWithoutWrites(db, () -> as(t).header("Idempotency-Key", "wh-key-2").body(Map.of("expiresInSeconds", 0))
                .post("/v1/webhooks/" + id + "/rotate-secret"), 409, "idempotency_response_sealed");
        refusedWithoutWrites(db, () -> as(t).header("Idempotency-Key", "wh-key-1")
                .body(Map.of("url", "https://hooks.example.com/other", "events", List.of("cashout.queued"))).post("/v1/webhooks"),
                409, "idempotency_key_reused");
    }

    private String keptResponse(String scope, String key) {
        return db.text("SELECT response_body FROM idempotency_keys WHERE caller_scope = '" + scope + "' AND idempotency_key = '" + key + "'");
    }

    @Test
    void badRequestsAreRefusedNamingTheFieldAndWriteNothing() {
        String integrator = "wh-bad-" + UUID.randomUUID();
        String t = Tokens.integrator(integrator);
        List<String> q = List.of("cashout.queued");
        Object[][] cases = {
                {Map.of("events", q), "validation_failed", "url: is required"},
                {Map.of("url", "/relative", "events", q), "validation_failed", "url: must be an absolute URL"},
                {Map.of("url", "ftp://example.com/x", "events", q), "validation_failed", "url: scheme must be https or http"},
                {Map.of("url", "https://u:p@example.com/x", "events", q), "validation_failed", "url: must not carry user info"},
                {Map.of("url", "https://example.com/x#f", "events", q), "validation_failed", "url: must not have a fragment"},
                {Map.of("url", "https://example.com/" + "a".repeat(2040), "events", q), "validation_failed", "url: is longer than 2048"},
                {Map.of("url", "https://127.1/x", "events", q), "validation_failed", "url: host must be a DNS name"},
                {Map.of("url", "https://example.com/x"), "validation_failed", "events: at least one"},
                {Map.of("url", "https://example.com/x", "events", List.of()), "validation_failed", "events: at least one"},
                {Map.of("url", "https://example.com/x", "events", List.of("cashout.queued", "cashout.lost")), "validation_failed",
                        "events[1]: 'cashout.lost' is not an event type"},
                {Map.of("url", "https://example.com/x", "events", List.of("escrow.low", "escrow.low")), "validation_failed",
                        "events[1]: 'escrow.low' is listed twice"},
                {Map.of("url", "https://example.com/x", "events", "cashout.queued"), "validation_failed", "events"},
                {Map.of("url", "https://example.com/x", "events", q, "description", "d".repeat(201)), "validation_failed",
                        "description: is longer than 200"},
                {Map.of("url", "https://example.com/x", "events", q, "secret", "whsec_mine"), "unknown_field", "secret"},
                {Map.of("url", "https://example.com/x", "events", q, "status", "ENABLED"), "unknown_field", "status"},
                {Map.of("url", "https://example.com/x", "events", q, "id", "we_mine"), "unknown_field", "id"}};
        for (Object[] c : cases) {
            String detail = refusedWithoutWrites(db, () -> as(t).body(c[0]).post("/v1/webhooks"), 400, (String) c[1]);
            assertThat(detail).as(c[0].toString()).startsWith((String) c[2]);
        }
        refusedWithoutWrites(db, () -> as(t).body("{\"url\":").post("/v1/webhooks"), 400, "malformed_json");

        // at most 16 live endpoints; deleting one makes room
        for (int i = 0; i < 16; i++) endpoint(t, "https://hooks.example.com/n" + i, q);
        String detail = refusedWithoutWrites(db, () -> as(t).body(Map.of("url", "https://hooks.example.com/17", "events", q))
                .post("/v1/webhooks"), 409, "webhook_limit_reached");
        assertThat(detail).contains("16");
        as(t).delete("/v1/webhooks/" + created.getFirst()[1]).then().statusCode(200);
        endpoint(t, "https://hooks.example.com/17", q);

        String id = created.getLast()[1];
        for (Object bad : List.of(-1, 604_801, "soon")) {
            refusedWithoutWrites(db, () -> as(t).body(Map.of("expiresInSeconds", bad)).post("/v1/webhooks/" + id + "/rotate-secret"),
                    400, "validation_failed");
        }
        for (String[] p : List.of(new String[] {"limit", "0"}, new String[] {"limit", "101"}, new String[] {"cursor", "!!"})) {
            refusedWithoutWrites(db, () -> as(t).queryParam(p[0], p[1]).get("/v1/webhooks"), 400, "validation_failed");
            refusedWithoutWrites(db, () -> as(t).queryParam(p[0], p[1]).get("/v1/webhooks/" + id + "/deliveries"), 400, "validation_failed");
        }
        refusedWithoutWrites(db, () -> as(t).queryParam("eventId", "bad id!").get("/v1/webhooks/" + id + "/deliveries"),
                400, "validation_failed");
    }

    @Test
    void aQueuedCashoutIsDeliveredSignedToItsSubscribersOnly() throws Exception {
        try (WebhookReceiver rx = WebhookReceiver.start(); WebhookReceiver settledOnly = WebhookReceiver.start();
             WebhookReceiver stranger = WebhookReceiver.start()) {
            String integrator = "whq-" + UUID.randomUUID();
            String t = Tokens.integrator(integrator);
            JsonNode ep = endpoint(t, rx.url(), ALL);
            String secret = ep.get("secret").asText();
            String settledId = endpoint(t, settledOnly.url(), List.of("cashout.settled")).get("id").asText();
            String strangerToken = Tokens.integrator("whq-stranger-" + UUID.randomUUID());
            String strangerId = endpoint(strangerToken, stranger.url(), ALL).get("id").asText();

            Api.FundedAccount a = Api.fundedAccount(integrator, 5_000_000);
            Response co = Api.cashout(t, a, 2_000_000, null);
            assertThat(co.statusCode()).as(co.asString()).isEqualTo(201);
            String cashoutId = co.jsonPath().getString("id");

            WebhookReceiver.Received got = rx.await(type("cashout.queued", cashoutId), 1, WAIT).getFirst();
            String eventId = auditId(cashoutId, "cashout.queued");
            assertThat(eventId).startsWith("evt_");
            // the receiver's own check: HMAC-SHA256 over "t.body" with its secret, t within 5 minutes
            assertThat(got.verifies(secret)).isTrue();
            assertThat(got.verifies("whsec_" + "A".repeat(43))).isFalse();
            assertThat(got.header("Content-Type")).isEqualTo("application/json");
            assertThat(got.header("User-Agent")).startsWith("microsettle-webhooks/");
            assertThat(got.header("Microsettle-Event-Id")).isEqualTo(eventId);
            assertThat(got.header("Microsettle-Event-Type")).isEqualTo("cashout.queued");
            assertThat(got.header("Microsettle-Delivery-Attempt")).isEqualTo("1");
            assertThat(got.header("Microsettle-Signature")).matches("t=\\d{10},v1=[0-9a-f]{64}");

            JsonNode body = got.json();
            assertThat(Arrays.asList(body.properties().stream().map(Map.Entry::getKey).toArray())).containsExactly("id", "type", "createdAt", "data");
            assertThat(body.get("id").asText()).isEqualTo(eventId);
            assertThat(db.scalar("SELECT count(*) FROM audit_events WHERE id = '" + eventId + "' AND at = '"
                    + body.get("createdAt").asText() + "'::timestamptz")).isEqualTo(1);
            JsonNode view = Api.json(as(t).get("/v1/cashouts/" + cashoutId).then().statusCode(200).extract().asString());
            JsonNode data = body.get("data");
            for (String f : List.of("id", "accountId", "quoteId", "status", "gross", "fee", "net", "destination", "wallet")) {
                assertThat(data.get(f).asText()).as(f).isEqualTo(view.get(f).asText());
            }
            assertThat(Instant.parse(data.get("createdAt").asText())).isEqualTo(Instant.parse(view.get("createdAt").asText()));
            assertThat(data.get("status").asText()).isEqualTo("QUEUED");
            assertThat(data.get("txHash").isNull()).isTrue();
            long latencyMillis = Duration.between(Instant.parse(body.get("createdAt").asText()), got.at()).toMillis();
            System.out.printf("webhook latency, audit event -> receiver: %d ms%n", latencyMillis);

            JsonNode listed = awaitDeliveryStatus(t, ep.get("id").asText(), eventId, "DELIVERED");
            JsonNode attempt = listed.at("/data/0");
            assertThat(listed.get("data")).hasSize(1);
            assertThat(attempt.get("id").asText()).startsWith("wha_");
            assertThat(attempt.get("deliveryId").asText()).startsWith("whd_");
            assertThat(attempt.get("eventId").asText()).isEqualTo(eventId);
            assertThat(attempt.get("eventType").asText()).isEqualTo("cashout.queued");
            assertThat(attempt.get("attempt").asInt()).isEqualTo(1);
            assertThat(attempt.get("statusCode").asInt()).isEqualTo(200);
            assertThat(attempt.get("outcome").asText()).isEqualTo("succeeded");
            assertThat(attempt.get("error").isNull()).isTrue();
            assertThat(attempt.get("responseExcerpt").asText()).startsWith("{\"received\":");
            assertThat(attempt.get("nextAttemptAt").isNull()).isTrue();
            assertThat(attempt.get("durationMillis").asLong()).isNotNegative();
            assertThat(Instant.parse(attempt.get("attemptedAt").asText())).isAfterOrEqualTo(Instant.parse(body.get("createdAt").asText())
                    .truncatedTo(java.time.temporal.ChronoUnit.MILLIS));

            // not subscribed, or another integrator's: nothing, not even a delivery row
            Thread.sleep(600);
            assertThat(settledOnly.received()).isEmpty();
            assertThat(stranger.received()).isEmpty();
            assertThat(db.scalar("SELECT count(*) FROM webhook_deliveries WHERE endpoint_id IN ('" + settledId + "', '" + strangerId + "')"))
                    .isZero();
            assertThat(db.scalar("SELECT count(*) FROM webhook_events WHERE id = '" + eventId + "' AND integrator_id = '" + integrator + "'"))
                    .isEqualTo(1);
        }
    }

    @Test
    void heldRejectedAndApprovedCashoutsAreDeliveredThroughTheReviewFlow() throws Exception {
        try (WebhookReceiver rx = WebhookReceiver.start()) {
            String integrator = "whr-" + UUID.randomUUID();
            String t = Tokens.integrator(integrator);
            JsonNode ep = endpoint(t, rx.url(), List.of("cashout.queued", "cashout.held", "cashout.rejected"));
            String secret = ep.get("secret").asText();
            Api.FundedAccount a = Api.fundedAccount(integrator, 10_000_000);

            String rejected = Api.cashout(t, a, 2_000_000, DENIED.toLowerCase()).then().statusCode(201).extract().path("id");
            WebhookReceiver.Received held = rx.await(type("cashout.held", rejected), 1, WAIT).getFirst();
            assertThat(held.verifies(secret)).isTrue();
            assertThat(held.json().at("/data/status").asText()).isEqualTo("HELD");
            assertThat(held.json().at("/data/reason").asText()).isEqualTo("denied_destination");
            assertThat(held.json().at("/data/destination").asText()).isEqualTo(DENIED);
            as(operator()).body(Map.of("note", "sanctioned")).post("/v1/reviews/" + rejected + "/reject").then().statusCode(200);
            WebhookReceiver.Received rej = rx.await(type("cashout.rejected", rejected), 1, WAIT).getFirst();
            assertThat(rej.verifies(secret)).isTrue();
            assertThat(rej.json().at("/data/status").asText()).isEqualTo("REJECTED");
            assertThat(rej.json().at("/data/reason").asText()).isEqualTo("rejected_in_review");
            assertThat(rej.eventId()).isEqualTo(auditId(rejected, "cashout.rejected")).isNotEqualTo(held.eventId());

            String approved = Api.cashout(t, a, 3_000_000, DENIED.toLowerCase()).then().statusCode(201).extract().path("id");
            rx.await(type("cashout.held", approved), 1, WAIT);
            as(operator()).post("/v1/reviews/" + approved + "/approve").then().statusCode(200);
            WebhookReceiver.Received queued = rx.await(type("cashout.queued", approved), 1, WAIT).getFirst();
            assertThat(queued.json().at("/data/status").asText()).isEqualTo("QUEUED");
            assertThat(queued.json().at("/data/reason").isNull()).isTrue();
            assertThat(queued.json().at("/data/gross").asText()).isEqualTo("3000000");
        }
    }

    @Test
    void aFailingReceiverIsRetriedWithTheSameEventUntilItAnswers2xx() throws Exception {
        try (WebhookReceiver rx = WebhookReceiver.start().respond(500, 500)) {
            String integrator = "whx-" + UUID.randomUUID();
            String t = Tokens.integrator(integrator);
            JsonNode ep = endpoint(t, rx.url(), List.of("cashout.queued"));
            String endpointId = ep.get("id").asText();
            Api.FundedAccount a = Api.fundedAccount(integrator, 5_000_000);
            String cashoutId = Api.cashout(t, a, 2_000_000, null).then().statusCode(201).extract().path("id");

            List<WebhookReceiver.Received> tries = rx.await(type("cashout.queued", cashoutId), 3, WAIT);
            String eventId = tries.getFirst().eventId();
            assertThat(tries).extracting(WebhookReceiver.Received::eventId).containsOnly(eventId);
            assertThat(tries).extracting(r -> r.header("Microsettle-Event-Id")).containsOnly(eventId);
            assertThat(tries).extracting(r -> r.header("Microsettle-Delivery-Attempt")).containsExactly("1", "2", "3");
            for (WebhookReceiver.Received r : tries) {
                assertThat(r.body()).isEqualTo(tries.getFirst().body()); // byte for byte
                assertThat(r.verifies(ep.get("secret").asText())).isTrue();
            }
            // backoff: 200 ms then 400 ms (less at most 10 % jitter) between the attempts
            assertThat(Duration.between(tries.get(0).at(), tries.get(1).at()).toMillis()).isGreaterThanOrEqualTo(180);
            assertThat(Duration.between(tries.get(1).at(), tries.get(2).at()).toMillis()).isGreaterThanOrEqualTo(360);

            JsonNode listed = awaitDeliveryStatus(t, endpointId, eventId, "DELIVERED");
            JsonNode data = listed.get("data");
            assertThat(data).hasSize(3);
            assertThat(data).extracting(n -> n.get("attempt").asInt()).containsExactly(3, 2, 1);
            assertThat(data).extracting(n -> n.get("outcome").asText()).containsExactly("succeeded", "failed", "failed");
            assertThat(data).extracting(n -> n.get("statusCode").asInt()).containsExactly(200, 500, 500);
            assertThat(data).extracting(n -> n.get("error").asText(null)).containsExactly(null, "HTTP 500", "HTTP 500");
            assertThat(data).extracting(n -> n.get("deliveryStatus").asText()).containsOnly("DELIVERED");
            assertThat(data).extracting(n -> n.get("deliveryId").asText()).containsOnly(data.get(0).get("deliveryId").asText());
            assertThat(data).extracting(n -> n.get("eventId").asText()).containsOnly(eventId);

            // the listing pages, and narrows by event
            JsonNode p1 = deliveries(t, endpointId, "?limit=2");
            assertThat(p1.get("data")).hasSize(2);
            JsonNode p2 = deliveries(t, endpointId, "?limit=2&cursor=" + p1.get("nextCursor").asText());
            assertThat(p2.get("data")).hasSize(1);
            assertThat(p2.at("/data/0/attempt").asInt()).isEqualTo(1);
            assertThat(p2.get("nextCursor").isNull()).isTrue();
            assertThat(deliveries(t, endpointId, "?eventId=evt_unknown").get("data")).isEmpty();
            Thread.sleep(500);
            assertThat(rx.of(eventId)).hasSize(3); // delivered: no more attempts
        }
    }

    @Test
    void aRotatedSecretSignsBesideTheOldOneUntilItExpires() throws Exception {
        try (WebhookReceiver rx = WebhookReceiver.start()) {
            String integrator = "whs-" + UUID.randomUUID();
            String t = Tokens.integrator(integrator);
            JsonNode ep = endpoint(t, rx.url(), List.of("cashout.queued"));
            String id = ep.get("id").asText();
            String s1 = ep.get("secret").asText();
            Api.FundedAccount a = Api.fundedAccount(integrator, 20_000_000);

            JsonNode r1 = Api.json(as(t).body(Map.of("expiresInSeconds", 3600)).post("/v1/webhooks/" + id + "/rotate-secret")
                    .then().statusCode(200).extract().asString());
            String s2 = r1.get("secret").asText();
            assertThat(s2).matches("whsec_[A-Za-z0-9_-]{43}").isNotEqualTo(s1);
            Instant until = Instant.parse(r1.get("previousSecretExpiresAt").asText());
            assertThat(until).isBetween(Instant.now().plusSeconds(3500), Instant.now().plusSeconds(3700));
            JsonNode read = Api.json(as(t).get("/v1/webhooks/" + id).then().statusCode(200).extract().asString());
            assertThat(Instant.parse(read.get("previousSecretExpiresAt").asText())).isEqualTo(until);
            assertThat(read.has("secret")).isFalse();

            String co1 = Api.cashout(t, a, 2_000_000, null).then().statusCode(201).extract().path("id");
            WebhookReceiver.Received both = rx.await(type("cashout.queued", co1), 1, WAIT).getFirst();
            assertThat(both.header("Microsettle-Signature")).matches("t=\\d{10},v1=[0-9a-f]{64},v1=[0-9a-f]{64}");
            assertThat(both.v1s()).hasSize(2).doesNotHaveDuplicates();
            assertThat(both.verifies(s2)).isTrue();
            assertThat(both.verifies(s1)).isTrue();

            // an overlap of 0 ends the old secret at once
            String s3 = Api.json(as(t).body(Map.of("expiresInSeconds", 0)).post("/v1/webhooks/" + id + "/rotate-secret")
                    .then().statusCode(200).extract().asString()).get("secret").asText();
            String co2 = Api.cashout(t, a, 2_000_000, null).then().statusCode(201).extract().path("id");
            WebhookReceiver.Received one = rx.await(type("cashout.queued", co2), 1, WAIT).getFirst();
            assertThat(one.v1s()).hasSize(1);
            assertThat(one.verifies(s3)).isTrue();
            assertThat(one.verifies(s2)).isFalse();
            assertThat(one.verifies(s1)).isFalse();

            // no body (and no Content-Type, as curl -X POST sends it): the default overlap of a day
            JsonNode r3 = Api.json(given().header("Authorization", Tokens.bearer(t)).noContentType()
                    .post("/v1/webhooks/" + id + "/rotate-secret").then().statusCode(200).extract().asString());
            assertThat(Instant.parse(r3.get("previousSecretExpiresAt").asText()))
                    .isBetween(Instant.now().plusSeconds(86_300), Instant.now().plusSeconds(86_500));
            assertThat(db.scalar("SELECT count(*) FROM audit_events WHERE subject = '" + id + "' AND type = 'webhook.secret_rotated'"))
                    .isEqualTo(3);
            for (String s : List.of(s1, s2, s3, r3.get("secret").asText())) {
                assertThat(db.scalar("SELECT count(*) FROM audit_events WHERE payload_json LIKE '%" + s.substring(6) + "%'")).isZero();
            }
        }
    }

    @Test
    void aDeliveryGivesUpWhenTheNextAttemptFallsBeyondTheRetryWindow() throws Exception {
        try (WebhookReceiver rx = WebhookReceiver.start().defaultStatus(503)) {
            String integrator = "whw-" + UUID.randomUUID();
            String t = Tokens.integrator(integrator);
            String endpointId = endpoint(t, rx.url(), List.of("cashout.queued")).get("id").asText();
            Api.FundedAccount a = Api.fundedAccount(integrator, 5_000_000);
            String cashoutId = Api.cashout(t, a, 2_000_000, null).then().statusCode(201).extract().path("id");
            String eventId = rx.await(type("cashout.queued", cashoutId), 1, WAIT).getFirst().eventId();
            // the event is now older than the 24 h window: the next failure is the last
            db.execute("UPDATE webhook_events SET created_at = now() - interval '25 hours' WHERE id = '" + eventId + "'");
            JsonNode listed = awaitDeliveryStatus(t, endpointId, eventId, "FAILED");
            int attempts = listed.get("data").size();
            assertThat(attempts).isGreaterThanOrEqualTo(2);
            assertThat(listed.at("/data/0/nextAttemptAt").isNull()).isTrue();
            assertThat(listed.at("/data/0/statusCode").asInt()).isEqualTo(503);
            Thread.sleep(2500); // past the longest test retry delay (1 s) and two dispatcher runs
            assertThat(rx.of(eventId)).hasSize(attempts);
            assertThat(db.scalar("SELECT count(*) FROM webhook_attempts WHERE event_id = '" + eventId + "'")).isEqualTo(attempts);
            assertThat(db.text("SELECT status FROM webhook_deliveries WHERE event_id = '" + eventId + "'")).isEqualTo("FAILED");
        }
    }

    @Test
    void aDeletedEndpointGetsNothingMore() throws Exception {
        try (WebhookReceiver rx = WebhookReceiver.start().defaultStatus(500)) {
            String integrator = "whd-" + UUID.randomUUID();
            String t = Tokens.integrator(integrator);
            String endpointId = endpoint(t, rx.url(), List.of("cashout.queued")).get("id").asText();
            Api.FundedAccount a = Api.fundedAccount(integrator, 10_000_000);
            String cashoutId = Api.cashout(t, a, 2_000_000, null).then().statusCode(201).extract().path("id");
            String eventId = rx.await(type("cashout.queued", cashoutId), 1, WAIT).getFirst().eventId();

            as(t).delete("/v1/webhooks/" + endpointId).then().statusCode(200);
            assertThat(db.text("SELECT status FROM webhook_deliveries WHERE event_id = '" + eventId + "' AND endpoint_id = '"
                    + endpointId + "'")).isEqualTo("CANCELLED");
            Thread.sleep(600); // an attempt in flight at the deletion may still land
            int seen = rx.received().size();
            String later = Api.cashout(t, a, 2_000_000, null).then().statusCode(201).extract().path("id");
            Thread.sleep(1500);
            assertThat(rx.received()).hasSize(seen);
            assertThat(db.scalar("SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = '" + endpointId + "' AND status = 'PENDING'"))
                    .isZero();
            assertThat(db.scalar("SELECT count(*) FROM webhook_deliveries d JOIN audit_events e ON e.id = d.event_id WHERE e.subject = '"
                    + later + "'")).isZero();
            for (Response r : List.of(as(t).get("/v1/webhooks/" + endpointId), as(t).get("/v1/webhooks/" + endpointId + "/deliveries"),
                    as(t).post("/v1/webhooks/" + endpointId + "/rotate-secret"), as(t).delete("/v1/webhooks/" + endpointId))) {
                assertThat(r.statusCode()).as(r.asString()).isEqualTo(404);
                assertThat(r.jsonPath().getString("code")).isEqualTo("not_found");
            }
        }
    }

    @Test
    void fanOutSkipsEndpointsCreatedAfterTheEventAndIsIdempotent() throws Exception {
        try (WebhookReceiver early = WebhookReceiver.start(); WebhookReceiver late = WebhookReceiver.start()) {
            String integrator = "whf-" + UUID.randomUUID();
            String t = Tokens.integrator(integrator);
            String earlyId = endpoint(t, early.url(), List.of("cashout.queued")).get("id").asText();
            Api.FundedAccount a = Api.fundedAccount(integrator, 10_000_000);
            String co1 = Api.cashout(t, a, 2_000_000, null).then().statusCode(201).extract().path("id");
            String e1 = early.await(type("cashout.queued", co1), 1, WAIT).getFirst().eventId();

            String lateId = endpoint(t, late.url(), List.of("cashout.queued")).get("id").asText();
            String co2 = Api.cashout(t, a, 2_000_000, null).then().statusCode(201).extract().path("id");
            String e2 = late.await(type("cashout.queued", co2), 1, WAIT).getFirst().eventId();
            early.await(type("cashout.queued", co2), 1, WAIT);
            awaitDeliveryStatus(t, earlyId, e2, "DELIVERED");

            // run the fan-out again over both events: from before the first one
            long e1Seq = db.scalar("SELECT seq FROM audit_events WHERE id = '" + e1 + "'");
            long head = db.scalar("SELECT seq FROM audit_head");
            Map<String, Long> before = counts();
            db.execute("UPDATE webhook_fanout_cursor SET last_seq = " + (e1Seq - 1));
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (db.scalar("SELECT last_seq FROM webhook_fanout_cursor") < head && System.nanoTime() < deadline) Thread.sleep(50);
            assertThat(db.scalar("SELECT last_seq FROM webhook_fanout_cursor")).isGreaterThanOrEqualTo(head);
            Thread.sleep(600);
            assertThat(counts()).isEqualTo(before);
            assertThat(early.of(e1)).hasSize(1);
            assertThat(early.of(e2)).hasSize(1);
            // created after the first event: never gets it
            assertThat(late.of(e1)).isEmpty();
            assertThat(late.of(e2)).hasSize(1);
            assertThat(db.scalar("SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = '" + lateId + "' AND event_id = '" + e1 + "'"))
                    .isZero();
        }
    }

    @Test
    void subscriptionStartsAtTheCreationsAuditSeqNotItsClock() throws Exception {
        try (WebhookReceiver receiver = WebhookReceiver.start()) {
            String integrator = "whc-" + UUID.randomUUID();
            String t = Tokens.integrator(integrator);
            String id = endpoint(t, receiver.url(), List.of("cashout.queued")).get("id").asText();
            long createdSeq = db.scalar("SELECT seq FROM audit_events WHERE subject = '" + id + "' AND type = 'webhook.created'");
            assertThat(db.text("SELECT created_event_id FROM webhook_endpoints WHERE id = '" + id + "'"))
                    .isEqualTo(db.text("SELECT id FROM audit_events WHERE seq = " + createdSeq));
            // the replica that created it had a clock an hour ahead: events after it in the log still reach it
            db.execute("UPDATE webhook_endpoints SET created_at = now() + interval '1 hour' WHERE id = '" + id + "'");
            Api.FundedAccount a = Api.fundedAccount(integrator, 10_000_000);
            String co = Api.cashout(t, a, 2_000_000, null).then().statusCode(201).extract().path("id");
            String eventId = receiver.await(type("cashout.queued", co), 1, WAIT).getFirst().eventId();
            assertThat(db.scalar("SELECT seq FROM audit_events WHERE id = '" + eventId + "'")).isGreaterThan(createdSeq);
        }
    }

    Map<String, Long> counts() {
        Map<String, Long> m = new LinkedHashMap<>();
        for (String table : List.of("webhook_events", "webhook_deliveries", "webhook_attempts")) {
            m.put(table, db.scalar("SELECT count(*) FROM " + table));
        }
        return m;
    }

    @Test
    void escrowLowIsDeliveredWithItsAuditPayload() throws Exception {
        try (WebhookReceiver rx = WebhookReceiver.start(); WebhookReceiver cashoutsOnly = WebhookReceiver.start()) {
            String integrator = "whe-" + UUID.randomUUID();
            String t = Tokens.integrator(integrator);
            JsonNode ep = endpoint(t, rx.url(), List.of("escrow.low"));
            endpoint(t, cashoutsOnly.url(), List.of("cashout.queued", "cashout.settled"));
            Map<String, Object> payload = new LinkedHashMap<>();
            payload.put("integratorId", integrator);
            payload.put("funder", "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC");
            payload.put("funderBalance", "1000000");
            payload.put("obligations", "900000");
            payload.put("headroom", "100000");
            payload.put("threshold", "250000");
            // as the shared contract says EscrowFunding appends it (the auth-rest side of this session)
            String appended = QuarkusTransaction.requiringNew().call(() -> audit.append("integrator:" + integrator, "escrow.low",
                    "integrator:" + integrator, payload));
            WebhookReceiver.Received got = rx.await(r -> r.type().equals("escrow.low"), 1, WAIT).getFirst();
            assertThat(got.verifies(ep.get("secret").asText())).isTrue();
            assertThat(got.eventId()).isEqualTo(appended);
            JsonNode data = got.json().get("data");
            payload.forEach((k, v) -> assertThat(data.get(k).asText()).as(k).isEqualTo(v));
            assertThat(data.size()).isEqualTo(payload.size());
            Thread.sleep(500);
            assertThat(cashoutsOnly.received()).isEmpty();
        }
    }
}
