package io.microsettle.risk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.microsettle.testsupport.Api;
import io.microsettle.testsupport.DbRows;
import io.microsettle.testsupport.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.microsettle.testsupport.Api.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/** Limits (admin API, refusals naming the limit and headroom), anomaly holds and the review queue. */
@QuarkusTest
class RiskApiTest {
    static final String DENIED = "0x000000000000000000000000000000000000dEaD";

    @Inject
    DbRows db;

    static String admin() {
        return Tokens.of("alice", "admin");
    }

    static String operator() {
        return Tokens.of("olga", "operator");
    }

    static ObjectNode limitsBody() {
        ObjectNode b = (ObjectNode) Api.json(as(admin()).get("/v1/admin/limits").then().statusCode(200).extract().asString());
        b.remove("version");
        b.remove("createdBy");
        b.remove("createdAt");
        return b;
    }


    @Test
    void limitsAreRefusedNamingTheLimitAndHeadroom() throws Exception {
        ObjectNode original = limitsBody();
        ObjectNode tight = original.deepCopy();
        ObjectNode full = (ObjectNode) tight.at("/levels/FULL");
        full.put("maxPerCashout", "1500000");
        full.put("rolling24hAmount", "2500000");
        full.put("rolling24hCount", 3);
        String integrator = "lim-" + UUID.randomUUID();
        String t = Tokens.integrator(integrator);
        Api.FundedAccount a = Api.fundedAccount(integrator, 10_000_000);
        JsonNode before = Api.quote(t, a.id(), 2_000_000); // quoted while the old limits were in force
        long events = db.scalar("SELECT count(*) FROM audit_events WHERE type = 'limits.changed'");
        as(admin()).body(tight.toString()).put("/v1/admin/limits").then().statusCode(200)
                .body("levels.FULL.maxPerCashout", equalTo("1500000"));
        assertThat(db.scalar("SELECT count(*) FROM audit_events WHERE type = 'limits.changed'")).isEqualTo(events + 1);
        try {
            // refused early: a quote the cash-out would be refused for is not issued
            Map<String, Long> untouched = db.snapshot();
            Response quote = as(t).body(Map.of("accountId", a.id(), "amount", "2000000")).post("/v1/quotes");
            assertThat(quote.statusCode()).as(quote.asString()).isEqualTo(422);
            assertThat(quote.jsonPath().getString("code")).isEqualTo("limit_exceeded");
            assertThat(quote.jsonPath().getString("limit")).isEqualTo("per_cashout_max");
            assertThat(quote.jsonPath().getString("limitValue")).isEqualTo("1500000");
            assertThat(db.snapshot()).isEqualTo(untouched);

            // a quote issued before the limit was lowered is refused at the cash-out, writing nothing
            Response r = as(t).body(Map.of("quoteId", before.get("id").asText(), "signature", Api.sign(before, a.wallet())))
                    .post("/v1/cashouts");
            assertThat(r.statusCode()).as(r.asString()).isEqualTo(422);
            assertThat(r.jsonPath().getString("code")).isEqualTo("limit_exceeded");
            assertThat(r.jsonPath().getString("limit")).isEqualTo("per_cashout_max");
            assertThat(r.jsonPath().getString("limitValue")).isEqualTo("1500000");
            assertThat(r.jsonPath().getString("maxAllowedNow")).isEqualTo("1500000");
            assertThat(db.snapshot()).isEqualTo(untouched);
            as(t).get("/v1/accounts/" + a.id()).then().body("balances.available", equalTo("10000000"));

            assertThat(Api.cashout(t, a, 1_000_000, null).statusCode()).isEqualTo(201);
            assertThat(Api.cashout(t, a, 1_000_000, null).statusCode()).isEqualTo(201);
            r = Api.cashout(t, a, 1_000_000, null);
            assertThat(r.jsonPath().getString("code")).isEqualTo("limit_exceeded");
            assertThat(r.jsonPath().getString("limit")).isEqualTo("account_24h_amount");
            assertThat(r.jsonPath().getString("headroom")).isEqualTo("500000");
            assertThat(Api.cashout(t, a, 500_000, null).statusCode()).isEqualTo(201);
            r = Api.cashout(t, a, 600_000, null);
            assertThat(r.statusCode()).isEqualTo(422);
            assertThat(r.jsonPath().getString("limit")).isEqualTo("account_24h_count");
            assertThat(r.jsonPath().getString("headroom")).isEqualTo("0");

            // a level that may not cash out: verification_required
            Api.FundedAccount b = Api.fundedAccount(integrator, 5_000_000);
            JsonNode q = Api.quote(t, b.id(), 1_000_000);
            db.execute("UPDATE accounts SET verification_level = 'NONE' WHERE id = '" + b.id() + "'");
            as(t).body(Map.of("quoteId", q.get("id").asText(), "signature", Api.sign(q, b.wallet()))).post("/v1/cashouts")
                    .then().statusCode(422).body("code", equalTo("verification_required")).body("limit", equalTo("verification_level"));
        } finally {
            as(admin()).body(original.toString()).put("/v1/admin/limits").then().statusCode(200);
        }
    }

    @Test
    void badLimitsAreRefusedNamingTheField() {
        ObjectNode b = limitsBody();
        ((ObjectNode) b.at("/levels/BASIC")).put("maxPerCashout", "1");
        as(admin()).body(b.toString()).put("/v1/admin/limits").then().statusCode(400)
                .body("code", equalTo("validation_failed")).body("detail", org.hamcrest.Matchers.startsWith("levels.BASIC.maxPerCashout:"));
        ObjectNode c = limitsBody();
        ((ObjectNode) c.at("/levels/FULL")).put("rolling24hCount", "many");
        as(admin()).body(c.toString()).put("/v1/admin/limits").then().statusCode(400)
                .body("detail", org.hamcrest.Matchers.startsWith("levels.FULL.rolling24hCount:"));
        as(operator()).body(limitsBody().toString()).put("/v1/admin/limits").then().statusCode(403);
        as(operator()).get("/v1/admin/limits").then().statusCode(200);
    }

    @Test
    void holdsGoToTheReviewQueueAndDecisionsAreAudited() {
        String integrator = "hold-" + UUID.randomUUID();
        String t = Tokens.integrator(integrator);
        Api.FundedAccount a = Api.fundedAccount(integrator, 3_000_000_000L);

        // denied destination
        Response r = Api.cashout(t, a, 2_000_000, DENIED.toLowerCase());
        assertThat(r.statusCode()).as(r.asString()).isEqualTo(201);
        assertThat(r.jsonPath().getString("status")).isEqualTo("HELD");
        assertThat(r.jsonPath().getString("reason")).isEqualTo("denied_destination");
        String denied = r.jsonPath().getString("id");

        // a freshly bound wallet cashing out a large amount, right after a burst of credits
        r = Api.cashout(t, a, 1_500_000_000L, null);
        assertThat(r.jsonPath().getString("status")).isEqualTo("HELD");
        String large = r.jsonPath().getString("id");
        as(t).get("/v1/accounts/" + a.id()).then().body("balances.held", equalTo("1502000000"));

        // the queue (paged one by one until both are seen), with reasons and evidence
        List<JsonNode> seen = new ArrayList<>();
        String cursor = null;
        do {
            var req = as(operator()).queryParam("limit", 1);
            if (cursor != null) req = req.queryParam("cursor", cursor);
            JsonNode page = Api.json(req.get("/v1/reviews").then().statusCode(200).extract().asString());
            page.get("data").forEach(seen::add);
            cursor = page.get("nextCursor").isNull() ? null : page.get("nextCursor").asText();
        } while (cursor != null);
        JsonNode d = seen.stream().filter(n -> n.get("id").asText().equals(denied)).findFirst().orElseThrow();
        assertThat(d.get("reasons").toString()).isEqualTo("[\"denied_destination\"]");
        assertThat(d.at("/findings/0/evidence").toString()).containsIgnoringCase(DENIED);
        JsonNode l = seen.stream().filter(n -> n.get("id").asText().equals(large)).findFirst().orElseThrow();
        assertThat(l.get("reasons").toString()).contains("new_wallet_large_amount").contains("credit_burst_cashout");
        assertThat(l.get("findings").size()).isEqualTo(l.get("reasons").size());
        as(t).get("/v1/reviews").then().statusCode(403);

        // approve → QUEUED; reject → REJECTED and the hold released; both audited with the reviewer
        as(operator()).post("/v1/reviews/" + large + "/approve").then().statusCode(200)
                .body("status", equalTo("QUEUED")).body("decision", equalTo("APPROVED")).body("decidedBy", equalTo("operator:olga"));
        as(operator()).body(Map.of("note", "sanctioned address")).post("/v1/reviews/" + denied + "/reject").then().statusCode(200)
                .body("status", equalTo("REJECTED")).body("note", equalTo("sanctioned address"));
        as(operator()).post("/v1/reviews/" + denied + "/approve").then().statusCode(409).body("code", equalTo("review_decided"));
        as(t).get("/v1/cashouts/" + large).then().body("status", equalTo("QUEUED"));
        as(t).get("/v1/cashouts/" + denied).then().body("status", equalTo("REJECTED"));
        as(t).get("/v1/accounts/" + a.id()).then().body("balances.held", equalTo("1500000000"))
                .body("balances.available", equalTo(Long.toString(3_000_000_000L - 1_500_000_000L)));
        assertThat(db.scalar("SELECT count(*) FROM audit_events WHERE subject = '" + large
                + "' AND type = 'cashout.queued' AND actor = 'operator:olga'")).isEqualTo(1);
        assertThat(db.scalar("SELECT count(*) FROM audit_events WHERE subject = '" + denied
                + "' AND type = 'cashout.rejected' AND actor = 'operator:olga'")).isEqualTo(1);
        assertThat(db.scalar("SELECT coalesce(sum(balance_base_units), 0) FROM ledger_balances")).isZero();
        as(Tokens.auditor("carol")).get("/v1/audit/verify").then().body("ok", equalTo(true));
    }
    @Test
    void amountFarAboveHistoryAndSharedDestinationsAreHeld() {
        String integrator = "hist-" + UUID.randomUUID();
        String t = Tokens.integrator(integrator);
        Api.FundedAccount a = Api.fundedAccount(integrator, 80_000_000);
        for (int i = 0; i < 5; i++) assertThat(Api.cashout(t, a, 1_000_000, null).jsonPath().getString("status")).isEqualTo("QUEUED");
        Response r = Api.cashout(t, a, 60_000_000, null);
        assertThat(r.jsonPath().getString("status")).as(r.asString()).isEqualTo("HELD");
        assertThat(r.jsonPath().getString("reason")).isEqualTo("amount_above_history");

        String shared = io.microsettle.testsupport.Wallets.address(io.microsettle.testsupport.Wallets.newKey());
        for (int i = 0; i < 4; i++) {
            Api.FundedAccount other = Api.fundedAccount(integrator, 5_000_000);
            assertThat(Api.cashout(t, other, 1_000_000, shared).jsonPath().getString("status")).isEqualTo("QUEUED");
        }
        Api.FundedAccount fifth = Api.fundedAccount(integrator, 5_000_000);
        r = Api.cashout(t, fifth, 1_000_000, shared);
        assertThat(r.jsonPath().getString("status")).as(r.asString()).isEqualTo("HELD");
        assertThat(r.jsonPath().getString("reason")).isEqualTo("shared_destination");
        JsonNode review = Api.json(as(operator()).get("/v1/reviews/" + r.jsonPath().getString("id")).then().statusCode(200)
                .extract().asString());
        assertThat(review.at("/findings/0/reason").asText()).isEqualTo("shared_destination");
        assertThat(review.at("/findings/0/evidence").toString()).contains("5");
    }
    @Test
    void integratorDailyVolumeHoldsUnderConcurrency() throws Exception {
        ObjectNode original = limitsBody();
        ObjectNode tight = original.deepCopy();
        ObjectNode full = (ObjectNode) tight.at("/levels/FULL");
        full.put("maxPerCashout", "1000000");
        full.put("rolling24hAmount", "1000000");
        full.put("integratorDailyVolume", "5000000");
        as(admin()).body(tight.toString()).put("/v1/admin/limits").then().statusCode(200);
        try {
            String integrator = "vol-" + UUID.randomUUID();
            String t = Tokens.integrator(integrator);
            List<Map<String, String>> bodies = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                Api.FundedAccount a = Api.fundedAccount(integrator, 2_000_000);
                JsonNode q = Api.quote(t, a.id(), 1_000_000);
                bodies.add(Map.of("quoteId", q.get("id").asText(), "signature", Api.sign(q, a.wallet())));
            }
            java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(10);
            int ok = 0;
            int refused = 0;
            try {
                List<java.util.concurrent.Future<Response>> fs = new ArrayList<>();
                for (Map<String, String> b : bodies) fs.add(pool.submit(() -> {
                    start.await();
                    return as(t).body(b).post("/v1/cashouts");
                }));
                start.countDown();
                for (var f : fs) {
                    Response r = f.get(60, java.util.concurrent.TimeUnit.SECONDS);
                    if (r.statusCode() == 201) ok++;
                    else if ("integrator_daily_volume".equals(r.jsonPath().getString("limit"))) refused++;
                    else throw new AssertionError(r.asString());
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(ok).isEqualTo(5);
            assertThat(refused).isEqualTo(5);
            assertThat(db.scalar("SELECT coalesce(sum(gross_base_units), 0) FROM cashouts c JOIN accounts a ON a.id = c.account_id"
                    + " WHERE a.integrator_id = '" + integrator + "'")).isEqualTo(5_000_000);
        } finally {
            as(admin()).body(original.toString()).put("/v1/admin/limits").then().statusCode(200);
        }
    }
}
