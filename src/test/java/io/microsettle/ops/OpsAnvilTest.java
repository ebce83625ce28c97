package io.microsettle.ops;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.microsettle.settlement.ChainTestResource;
import io.microsettle.testsupport.Api;
import io.microsettle.testsupport.ServiceProcess;
import io.microsettle.testsupport.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Operators' view on a real chain (Anvil behind a JSON-RPC proxy) and embedded PostgreSQL: cash-outs driven
 * to SETTLED move the Prometheus series at /q/metrics (requests by route and status, transitions and their
 * latency, batch size, gas and fees, lanes, leases, lags, webhook failures); readiness goes DOWN with a
 * reason when the node refuses connections, and when a lane stalls because the node refuses its
 * transactions, and comes back UP when the node does.
 */
@QuarkusTest
@QuarkusTestResource(value = ChainTestResource.class, restrictToAnnotatedClass = true,
        initArgs = {@ResourceArg(name = "kind", value = "anvil"), @ResourceArg(name = "proxy", value = "true"),
                @ResourceArg(name = "microsettle.settlement.stall-alert-after-millis", value = "1500")})
@Timeout(240)
class OpsAnvilTest {
    static final long CREDIT = 10_000_000;
    static final long AMOUNT = 1_000_000;
    static final Duration SETTLE_WITHIN = Duration.ofSeconds(90);

    @Inject
    OpsGauges gauges;

    @Test
    void cashoutsSettledOnChainMoveTheMetrics() throws Exception {
        String integrator = "ops-" + UUID.randomUUID();
        String token = Tokens.integrator(integrator);
        // an endpoint nobody listens on: its deliveries fail and are counted
        JsonNode deadEndpoint = Api.createWebhook(token, "http://127.0.0.1:" + ServiceProcess.freePort() + "/hook",
                List.of("cashout.queued"));
        PrometheusText before = scrape();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Response r = Api.cashout(token, Api.fundedAccount(integrator, CREDIT), AMOUNT, null);
            assertThat(r.statusCode()).as(r.asString()).isEqualTo(201);
            ids.add(r.path("id"));
        }
        for (String id : ids) {
            assertThat(waitForStatus(token, id, "SETTLED").path("status").asText()).isEqualTo("SETTLED");
        }
        PrometheusText failures = awaitScrape(m -> m.sum("microsettle_webhook_delivery_failures_total", Map.of("final", "false"))
                > before.sum("microsettle_webhook_delivery_failures_total", Map.of("final", "false")));
        Api.as(token).delete("/v1/webhooks/" + deadEndpoint.get("id").asText()).then().statusCode(200);
        // settlement records the receipt (gas, fees) on its own pass, which may come after reconcile has SETTLED the cash-outs
        awaitScrape(m -> delta(before, m, "microsettle_settlement_transactions_mined_total", Map.of()) >= 1);
        OpsGauges.Snapshot snapshot = gauges.refresh();
        PrometheusText after = scrape();

        // requests by route (the path template) and status
        Map<String, String> created = Map.of("uri", "/v1/cashouts", "method", "POST", "status", "201");
        assertThat(after.sum("http_server_requests_seconds_count", created) - before.sum("http_server_requests_seconds_count", created))
                .isGreaterThanOrEqualTo(2);
        assertThat(after.series("http_server_requests_seconds_count", Map.of("uri", "/v1/cashouts/{id}", "status", "200")))
                .isNotEmpty();
        // transitions and their latency (age at entering the status: SETTLED's is POST-to-SETTLED)
        for (String to : List.of("QUEUED", "BATCHED", "SUBMITTED", "SETTLED")) {
            Map<String, String> t = Map.of("to", to);
            assertThat(delta(before, after, "microsettle_cashout_transitions_total", t)).as(to).isGreaterThanOrEqualTo(2);
            assertThat(delta(before, after, "microsettle_cashout_age_at_transition_seconds_count", t)).as(to).isGreaterThanOrEqualTo(2);
        }
        assertThat(delta(before, after, "microsettle_cashout_age_at_transition_seconds_sum", Map.of("to", "SETTLED"))).isPositive();
        assertThat(after.series("microsettle_cashout_age_at_transition_seconds_bucket", Map.of("to", "SETTLED"))).isNotEmpty();
        // batches, gas and fees
        assertThat(delta(before, after, "microsettle_settlement_batch_payouts_count", Map.of())).isGreaterThanOrEqualTo(1);
        assertThat(delta(before, after, "microsettle_settlement_batch_payouts_sum", Map.of())).isGreaterThanOrEqualTo(2);
        assertThat(delta(before, after, "microsettle_settlement_transactions_mined_total", Map.of())).isGreaterThanOrEqualTo(1);
        double gas = delta(before, after, "microsettle_settlement_gas_used_total", Map.of());
        double fees = delta(before, after, "microsettle_settlement_fees_paid_wei_total", Map.of());
        assertThat(gas).isGreaterThan(21_000);
        assertThat(fees).isGreaterThanOrEqualTo(gas); // an effective gas price of at least 1 wei
        // webhook failures
        assertThat(failures.sum("microsettle_webhook_delivery_failures_total", Map.of("final", "false"))).isPositive();
        // gauges from the snapshot: open cash-outs, settlement lag, reconcile lag, pause, lanes, leases
        assertThat(after.series("microsettle_cashouts_open", Map.of("status", "QUEUED"))).hasSize(1);
        assertThat(after.series("microsettle_settlement_oldest_age_seconds", Map.of("status", "SUBMITTED"))).hasSize(1);
        assertThat(snapshot.headBlock()).isPresent();
        assertThat(snapshot.reconcileNextBlock()).isPresent();
        assertThat(after.sum("microsettle_chain_head_block")).isEqualTo((double) snapshot.headBlock().getAsLong());
        assertThat(after.sum("microsettle_reconcile_lag_blocks")).isEqualTo(snapshot.reconcileLagBlocks()).isGreaterThanOrEqualTo(0);
        assertThat(after.sum("microsettle_settlement_paused")).isZero();
        String settler = snapshot.lanes().getFirst().address();
        assertThat(after.sum("microsettle_nonce_lane_next_nonce", Map.of("address", settler, "status", "ACTIVE"))).isGreaterThanOrEqualTo(1);
        assertThat(after.series("microsettle_nonce_lane_open_transactions", Map.of("address", settler))).hasSize(1);
        assertThat(after.sum("microsettle_nonce_lane_stalled", Map.of("address", settler))).isZero();
        List<PrometheusText.Sample> settlerLeases = after.samples().stream()
                .filter(s -> s.name().equals("microsettle_lease_held") && s.labels().getOrDefault("name", "").startsWith("settler:")).toList();
        assertThat(settlerLeases).isNotEmpty().allSatisfy(s -> assertThat(s.value()).isEqualTo(1.0));
        assertThat(settlerLeases.getFirst().labels().get("holder")).isNotBlank();
        assertThat(after.series("microsettle_lease_fence", Map.of("name", settlerLeases.getFirst().labels().get("name")))).hasSize(1);
        System.out.printf("metrics: 2 cash-outs SETTLED; gas used %.0f, fees paid %.0f wei, head block %d, reconcile lag %.0f blocks%n",
                gas, fees, snapshot.headBlock().getAsLong(), snapshot.reconcileLagBlocks());
    }

    @Test
    void readinessIsDownWithAReasonWhileTheNodeRefusesConnections() {
        JsonNode up = ready(200);
        assertThat(check(up, "chain").path("status").asText()).isEqualTo("UP");
        assertThat(check(up, "chain").path("data").path("headBlock").asLong()).isPositive();
        assertThat(check(up, "settlement").path("status").asText()).isEqualTo("UP");
        assertThat(up.path("checks").toString()).contains("Database connections health check");
        ChainTestResource.proxy.refuseConnections(true);
        try {
            JsonNode down = ready(503);
            assertThat(down.path("status").asText()).isEqualTo("DOWN");
            JsonNode chain = check(down, "chain");
            assertThat(chain.path("status").asText()).isEqualTo("DOWN");
            assertThat(chain.path("data").path("reason").asText()).isEqualTo("rpc_unreachable");
            assertThat(chain.path("data").path("detail").asText()).containsIgnoringCase("connect");
            // liveness is about this process, not its dependencies
            JsonNode live = Api.json(given().get("/q/health/live").then().statusCode(200).extract().asString());
            assertThat(check(live, "settlement-loop").path("status").asText()).isEqualTo("UP");
        } finally {
            ChainTestResource.proxy.refuseConnections(false);
        }
        assertThat(check(ready(200), "chain").path("status").asText()).isEqualTo("UP");
    }

    @Test
    void readinessIsDownWhileALaneIsStalled() throws Exception {
        String integrator = "ops-stall-" + UUID.randomUUID();
        String token = Tokens.integrator(integrator);
        ChainTestResource.proxy.failMethods(Set.of("eth_sendRawTransaction"));
        String id;
        JsonNode settlement;
        try {
            Response r = Api.cashout(token, Api.fundedAccount(integrator, CREDIT), AMOUNT, null);
            assertThat(r.statusCode()).as(r.asString()).isEqualTo(201);
            id = r.path("id");
            settlement = awaitReady(h -> check(h, "settlement").path("status").asText().equals("DOWN"));
        } finally {
            ChainTestResource.proxy.healthy();
        }
        assertThat(settlement.path("status").asText()).isEqualTo("DOWN");
        JsonNode data = check(settlement, "settlement").path("data");
        assertThat(data.path("reason").asText()).as(data.toString()).isEqualTo("broadcast_failing");
        assertThat(data.path("detail").asText()).contains("injected failure of eth_sendRawTransaction");
        assertThat(data.path("stalledLanes").asInt()).isEqualTo(1);
        assertThat(data.path("address").asText()).startsWith("0x");
        PrometheusText m = scrapeAfterRefresh();
        assertThat(m.sum("microsettle_nonce_lane_stalled", Map.of("address", data.path("address").asText()))).isEqualTo(1.0);
        // the node takes transactions again: the lane resumes, the cash-out settles, readiness is UP
        assertThat(waitForStatus(token, id, "SETTLED").path("status").asText()).isEqualTo("SETTLED");
        assertThat(check(ready(200), "settlement").path("status").asText()).isEqualTo("UP");
    }

    // ---------------------------------------------------------------- helpers

    static double delta(PrometheusText before, PrometheusText after, String name, Map<String, String> labels) {
        return after.sum(name, labels) - before.sum(name, labels);
    }

    static PrometheusText scrape() {
        return PrometheusText.parse(given().get("/q/metrics").then().statusCode(200).extract().asString());
    }

    PrometheusText scrapeAfterRefresh() {
        gauges.refresh();
        return scrape();
    }

    static PrometheusText awaitScrape(Predicate<PrometheusText> until) throws InterruptedException {
        long deadline = System.nanoTime() + SETTLE_WITHIN.toNanos();
        PrometheusText m = scrape();
        while (!until.test(m) && System.nanoTime() < deadline) {
            Thread.sleep(250);
            m = scrape();
        }
        return m;
    }

    static JsonNode ready(int status) {
        return Api.json(given().get("/q/health/ready").then().statusCode(status).extract().asString());
    }

    static JsonNode awaitReady(Predicate<JsonNode> until) throws InterruptedException {
        long deadline = System.nanoTime() + SETTLE_WITHIN.toNanos();
        JsonNode h = Api.json(given().get("/q/health/ready").asString());
        while (!until.test(h) && System.nanoTime() < deadline) {
            Thread.sleep(250);
            h = Api.json(given().get("/q/health/ready").asString());
        }
        return h;
    }

    static JsonNode check(JsonNode health, String name) {
        for (JsonNode c : health.path("checks")) if (c.path("name").asText().equals(name)) return c;
        throw new AssertionError("no check " + name + " in " + health);
    }

    static JsonNode waitForStatus(String token, String id, String wanted) throws InterruptedException {
        long deadline = System.nanoTime() + SETTLE_WITHIN.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = Api.json(Api.as(token).get("/v1/cashouts/" + id).then().statusCode(200).extract().asString());
            String s = last.path("status").asText();
            if (s.equals(wanted) || s.equals("FAILED") || s.equals("REJECTED")) return last;
            Thread.sleep(250);
        }
        return last;
    }
}
