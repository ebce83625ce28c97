package io.microsettle.cashout;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.microsettle.testsupport.Api.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/** Concurrent cash-outs against one account never overdraw it; the ledger stays balanced. */
@QuarkusTest
class ConcurrentCashoutsTest {
    @Inject
    DbRows db;

    @Test
    void twentyConcurrentCashoutsOnFiveUnitsOfBalance() throws Exception {
        String integrator = "race-" + UUID.randomUUID();
        String t = Tokens.integrator(integrator);
        Api.FundedAccount a = Api.fundedAccount(integrator, 5_000_000);
        List<Map<String, String>> bodies = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            JsonNode q = Api.quote(t, a.id(), 1_000_000);
            bodies.add(Map.of("quoteId", q.get("id").asText(), "signature", Api.sign(q, a.wallet())));
        }
        ExecutorService pool = Executors.newFixedThreadPool(10);
        try {
            List<Future<Response>> futures = new ArrayList<>();
            for (Map<String, String> b : bodies) futures.add(pool.submit(() -> as(t).body(b).post("/v1/cashouts")));
            int ok = 0;
            int insufficient = 0;
            for (Future<Response> f : futures) {
                Response r = f.get(60, TimeUnit.SECONDS);
                if (r.statusCode() == 201) ok++;
                else if ("insufficient_balance".equals(r.jsonPath().getString("code"))) insufficient++;
                else throw new AssertionError(r.asString());
            }
            assertThat(ok).isEqualTo(5);
            assertThat(insufficient).isEqualTo(15);
        } finally {
            pool.shutdownNow();
        }
        as(t).get("/v1/accounts/" + a.id()).then()
                .body("balances.available", equalTo("0")).body("balances.held", equalTo("5000000"));
        assertThat(db.scalar("SELECT coalesce(sum(balance_base_units),0) FROM ledger_balances")).isZero();
        assertThat(db.scalar("SELECT count(*) FROM cashouts WHERE account_id = '" + a.id() + "'")).isEqualTo(5);
        as(Tokens.auditor("carol")).get("/v1/audit/verify").then().body("ok", equalTo(true));
    }

    @Test
    void fiftyConcurrentCashoutsAgainstOneAccount() throws Exception {
        String integrator = "race50-" + UUID.randomUUID();
        String t = Tokens.integrator(integrator);
        Api.FundedAccount a = Api.fundedAccount(integrator, 25_000_000);
        List<Map<String, String>> bodies = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            JsonNode q = Api.quote(t, a.id(), 1_000_000);
            bodies.add(Map.of("quoteId", q.get("id").asText(), "signature", Api.sign(q, a.wallet())));
        }
        java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(50);
        int ok = 0;
        int insufficient = 0;
        try {
            List<Future<Response>> futures = new ArrayList<>();
            for (Map<String, String> b : bodies) futures.add(pool.submit(() -> {
                start.await();
                return as(t).body(b).post("/v1/cashouts");
            }));
            start.countDown();
            for (Future<Response> f : futures) {
                Response r = f.get(120, TimeUnit.SECONDS);
                if (r.statusCode() == 201) ok++;
                else if ("insufficient_balance".equals(r.jsonPath().getString("code"))) insufficient++;
                else throw new AssertionError(r.asString());
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(ok).isEqualTo(25);
        assertThat(insufficient).isEqualTo(25);
        as(t).get("/v1/accounts/" + a.id()).then()
                .body("balances.available", equalTo("0")).body("balances.held", equalTo("25000000"));
        assertThat(db.scalar("SELECT min(balance_base_units) FROM ledger_balances WHERE ledger_account LIKE 'user:"
                + a.id() + ":%'")).isZero();
        assertThat(db.scalar("SELECT coalesce(sum(balance_base_units),0) FROM ledger_balances")).isZero();
        as(Tokens.auditor("carol")).get("/v1/audit/ledger-check").then().body("ok", equalTo(true));
    }
}
