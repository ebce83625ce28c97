package io.microsettle.pricing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.microsettle.testsupport.Api;
import io.microsettle.testsupport.DbRows;
import io.microsettle.testsupport.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.UUID;

import static io.microsettle.testsupport.Api.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/** The fee schedule through the admin API, and quotes priced from it with the chain's fees. */
@QuarkusTest
class FeeScheduleAdminTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    DbRows db;

    static String admin() {
        return Tokens.of("alice", "admin");
    }

    static JsonNode current() {
        return Api.json(as(admin()).get("/v1/admin/fee-schedule").then().statusCode(200).extract().asString());
    }

    static ObjectNode body(JsonNode view) {
        ObjectNode b = view.deepCopy();
        b.remove("version");
        b.remove("createdBy");
        b.remove("createdAt");
        return b;
    }

    @Test
    void putMakesANewAuditedVersionAndQuotesUseIt() throws Exception {
        JsonNode before = current();
        long v = before.get("version").asLong();
        ObjectNode changed = body(before);
        changed.put("minServiceFee", "1000");
        ((ObjectNode) changed.at("/tiers/FULL/0")).put("serviceFeeBps", 200);
        ((ObjectNode) changed.at("/tiers/BASIC/0")).put("serviceFeeBps", 200);
        try {
            long events = db.scalar("SELECT count(*) FROM audit_events WHERE type = 'fee_schedule.changed'");
            as(admin()).body(changed.toString()).put("/v1/admin/fee-schedule").then().statusCode(200)
                    .body("version", equalTo((int) v + 1)).body("minServiceFee", equalTo("1000"))
                    .body("createdBy", containsString("alice"));
            assertThat(db.scalar("SELECT count(*) FROM fee_schedules")).isEqualTo(v + 1);
            assertThat(db.scalar("SELECT count(*) FROM audit_events WHERE type = 'fee_schedule.changed' AND actor LIKE '%alice'"))
                    .isEqualTo(events + 1);
            // operators read it too; integrators do not
            as(Tokens.of("olga", "operator")).get("/v1/admin/fee-schedule").then().statusCode(200).body("version", equalTo((int) v + 1));
            as(Tokens.integrator("x")).get("/v1/admin/fee-schedule").then().statusCode(403);
            as(Tokens.of("olga", "operator")).body(changed.toString()).put("/v1/admin/fee-schedule").then().statusCode(403);

            // a quote priced now: 2 % of 10.00 = 0.20 service fee, plus the chain's network share
            String integrator = "fees-" + UUID.randomUUID();
            Api.FundedAccount a = Api.fundedAccount(integrator, 20_000_000);
            JsonNode q = Api.quote(Tokens.integrator(integrator), a.id(), 10_000_000);
            long service = q.get("serviceFee").asLong();
            long network = q.get("networkFee").asLong();
            assertThat(service).isEqualTo(200_000);
            assertThat(network).isPositive();
            assertThat(q.get("fee").asLong()).isEqualTo(service + network);
            assertThat(q.get("net").asLong() + q.get("fee").asLong()).isEqualTo(10_000_000);
            assertThat(q.get("feeScheduleVersion").asLong()).isEqualTo(v + 1);
            assertThat(q.get("serviceFeeBps").asInt()).isEqualTo(200);
            String id = q.get("id").asText();
            assertThat(db.scalar("SELECT fee_schedule_version FROM quotes WHERE id = '" + id + "'")).isEqualTo(v + 1);
            assertThat(db.scalar("SELECT (gas_inputs->>'baseFeeWeiPerGas')::bigint FROM quotes WHERE id = '" + id + "'"))
                    .isPositive();
            assertThat(db.scalar("SELECT (gas_inputs->>'marginalGas')::bigint FROM quotes WHERE id = '" + id + "'"))
                    .isEqualTo(28_500);
            assertThat(db.scalar("SELECT rolling_30d_volume_base_units FROM quotes WHERE id = '" + id + "'")).isZero();
        } finally {
            as(admin()).body(body(before).toString()).put("/v1/admin/fee-schedule").then().statusCode(200);
        }
    }

    @Test
    void badSchedulesAreRefusedNamingTheField() {
        ObjectNode good = body(current());
        long versions = db.scalar("SELECT count(*) FROM fee_schedules");
        Map<String, java.util.function.Consumer<ObjectNode>> bad = new java.util.LinkedHashMap<>();
        bad.put("tiers.FULL[1].serviceFeeBps", b -> ((ObjectNode) b.at("/tiers/FULL/1")).put("serviceFeeBps", 10_001));
        bad.put("tiers.BASIC[0].fromVolume", b -> ((ObjectNode) b.at("/tiers/BASIC/0")).put("fromVolume", "5"));
        bad.put("tiers.GOLD", b -> ((ObjectNode) b.get("tiers")).set("GOLD", b.at("/tiers/FULL")));
        bad.put("tiers.FULL", b -> ((ObjectNode) b.get("tiers")).remove("FULL"));
        bad.put("maxServiceFee", b -> b.put("maxServiceFee", "1"));
        bad.put("minPayout", b -> b.put("minPayout", "-3"));
        bad.put("minServiceFee", b -> b.remove("minServiceFee"));
        for (var e : bad.entrySet()) {
            ObjectNode b = good.deepCopy();
            e.getValue().accept(b);
            Response r = as(admin()).body(b.toString()).put("/v1/admin/fee-schedule");
            assertThat(r.statusCode()).as(e.getKey() + ": " + r.asString()).isEqualTo(400);
            assertThat(r.jsonPath().getString("code")).isEqualTo("validation_failed");
            assertThat(r.jsonPath().getString("detail")).as(e.getKey()).startsWith(e.getKey() + ":");
        }
        as(admin()).body("[]").put("/v1/admin/fee-schedule").then().statusCode(400);
        assertThat(db.scalar("SELECT count(*) FROM fee_schedules")).isEqualTo(versions);
    }

    @Test
    void smallAmountsAreRefusedNamingTheSmallestThatPrices() {
        String integrator = "small-" + UUID.randomUUID();
        Api.FundedAccount a = Api.fundedAccount(integrator, 5_000_000);
        Response r = as(Tokens.integrator(integrator)).body(Map.of("accountId", a.id(), "amount", "300000")).post("/v1/quotes");
        assertThat(r.statusCode()).as(r.asString()).isEqualTo(400);
        assertThat(r.jsonPath().getString("code")).isEqualTo("invalid_amount");
        assertThat(r.jsonPath().getString("detail")).contains("minimum payout").contains("smallest amount");
    }

    @Test
    void expiredQuoteIsRefused() throws Exception {
        String integrator = "exp-" + UUID.randomUUID();
        String t = Tokens.integrator(integrator);
        Api.FundedAccount a = Api.fundedAccount(integrator, 5_000_000);
        JsonNode q = Api.quote(t, a.id(), 2_000_000);
        String sig = Api.sign(q, a.wallet());
        db.execute("UPDATE quotes SET expires_at = now() - interval '1 second' WHERE id = '" + q.get("id").asText() + "'");
        as(t).body(Map.of("quoteId", q.get("id").asText(), "signature", sig)).post("/v1/cashouts").then()
                .statusCode(422).body("code", equalTo("quote_expired"));
        as(t).get("/v1/accounts/" + a.id()).then().body("balances.available", equalTo("5000000"));
    }
    @Test
    void settledVolumeMovesTheAccountToACheaperTier() throws Exception {
        JsonNode before = current();
        ObjectNode tiered = body(before);
        tiered.put("minServiceFee", "1000");
        com.fasterxml.jackson.databind.node.ArrayNode full = JSON.createArrayNode();
        full.addObject().put("fromVolume", "0").put("serviceFeeBps", 200);
        full.addObject().put("fromVolume", "2000000").put("serviceFeeBps", 100);
        ((ObjectNode) tiered.get("tiers")).set("FULL", full);
        ((ObjectNode) tiered.get("tiers")).set("BASIC", full.deepCopy());
        as(admin()).body(tiered.toString()).put("/v1/admin/fee-schedule").then().statusCode(200);
        try {
            String integrator = "tier-" + UUID.randomUUID();
            String t = Tokens.integrator(integrator);
            Api.FundedAccount a = Api.fundedAccount(integrator, 30_000_000);
            JsonNode q = Api.quote(t, a.id(), 2_000_000);
            assertThat(q.get("serviceFeeBps").asInt()).isEqualTo(200);
            String co = as(t).body(Map.of("quoteId", q.get("id").asText(), "signature", Api.sign(q, a.wallet())))
                    .post("/v1/cashouts").then().statusCode(201).extract().path("id");
            // a queued cash-out is not settled volume yet
            assertThat(Api.quote(t, a.id(), 10_000_000).get("serviceFeeBps").asInt()).isEqualTo(200);
            db.execute("UPDATE cashouts SET status = 'SETTLED', settled_at = now() WHERE id = '" + co + "'");
            JsonNode cheaper = Api.quote(t, a.id(), 10_000_000);
            assertThat(cheaper.get("serviceFeeBps").asInt()).isEqualTo(100);
            assertThat(cheaper.get("serviceFee").asLong()).isEqualTo(100_000);
            assertThat(db.scalar("SELECT rolling_30d_volume_base_units FROM quotes WHERE id = '" + cheaper.get("id").asText() + "'"))
                    .isEqualTo(2_000_000);
            // settled more than 30 days ago: back to the first tier
            db.execute("UPDATE cashouts SET settled_at = now() - interval '31 days' WHERE id = '" + co + "'");
            assertThat(Api.quote(t, a.id(), 10_000_000).get("serviceFeeBps").asInt()).isEqualTo(200);
        } finally {
            as(admin()).body(body(before).toString()).put("/v1/admin/fee-schedule").then().statusCode(200);
        }
    }

    @Inject
    NetworkFees networkFees;

    @Test
    void feeHistoryIsReadOnceForManyQuotes() {
        long reads = networkFees.reads();
        for (int i = 0; i < 200; i++) assertThat(networkFees.history().nextBaseFeeWeiPerGas()).isPositive();
        assertThat(networkFees.reads() - reads).isLessThanOrEqualTo(1); // cached for 5 s
    }
}
