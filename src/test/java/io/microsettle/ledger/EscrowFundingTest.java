package io.microsettle.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import io.microsettle.testsupport.Api;
import io.microsettle.testsupport.DbRows;
import io.microsettle.testsupport.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static io.microsettle.testsupport.Api.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * Cash-outs need the integrator's escrow deposit on the (dev) chain to cover its unsettled
 * obligations: "unfunded" has a funder with no deposit (application.properties, test profile).
 */
@QuarkusTest
class EscrowFundingTest {
    @Inject
    DbRows db;
    @Inject
    EscrowFunding funding;
    @Inject
    FundingConfig config;

    @Test
    void anExpiredBalanceIsReadOnceForAllTheRequestsThatNeedItAtOnce() throws Exception {
        String funder = funding.funderOf("demo").orElseThrow();
        funding.funderBalance(funder);
        Thread.sleep(config.balanceCacheMillis() + 50); // expired
        int callers = 32;
        long readsBefore = funding.balanceReads();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        try {
            List<Future<BigInteger>> answers = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                answers.add(pool.submit(() -> {
                    start.await();
                    return funding.funderBalance(funder);
                }));
            }
            start.countDown();
            // one answer for all (a settlement may have moved the balance since the first read)
            assertThat(answers.stream().map(EscrowFundingTest::get).distinct()).hasSize(1);
        } finally {
            pool.shutdownNow();
        }
        // before: every caller that found the value expired read the chain itself
        assertThat(funding.balanceReads() - readsBefore).isEqualTo(1);
    }

    @Test
    void funderWithoutDepositIsRefusedAndTheBalanceUntouched() {
        String t = Tokens.integrator("unfunded");
        Api.FundedAccount a = Api.fundedAccount("unfunded", 5_000_000);
        as(t).get("/v1/escrow").then().statusCode(200).body("funderBalance", equalTo("0")).body("headroom", equalTo("0"))
                .body("funder", equalTo("0xa0Ee7A142d267C1f36714E4a8F75612F20a79720"));
        JsonNode q = Api.quote(t, a.id(), 2_000_000);
        long cashouts = db.scalar("SELECT count(*) FROM cashouts");
        Response r = as(t).body(Map.of("quoteId", q.get("id").asText(), "signature", Api.sign(q, a.wallet()))).post("/v1/cashouts");
        assertThat(r.statusCode()).as(r.asString()).isEqualTo(422);
        assertThat(r.jsonPath().getString("code")).isEqualTo("insufficient_escrow");
        assertThat(db.scalar("SELECT count(*) FROM cashouts")).isEqualTo(cashouts);
        assertThat(db.scalar("SELECT count(*) FROM quotes WHERE used_at IS NOT NULL AND id = '" + q.get("id").asText() + "'")).isZero();
        as(t).get("/v1/accounts/" + a.id()).then().body("balances.available", equalTo("5000000")).body("balances.held", equalTo("0"));
    }

    @Test
    void escrowShowsBalanceObligationsAndHeadroom() {
        String integrator = "esc-" + UUID.randomUUID();
        String t = Tokens.integrator(integrator);
        JsonNode before = Api.json(as(t).get("/v1/escrow").then().statusCode(200).extract().asString());
        assertThat(before.get("chainId").asLong()).isEqualTo(1337);
        assertThat(before.get("decimals").asInt()).isEqualTo(6);
        assertThat(before.get("escrow").asText()).startsWith("0x").hasSize(42);
        assertThat(before.get("token").asText()).startsWith("0x").hasSize(42);
        BigInteger balance = new BigInteger(before.get("funderBalance").asText());
        assertThat(balance).isPositive();
        assertThat(before.get("obligations").asText()).isEqualTo("0");
        assertThat(before.get("headroom").asText()).isEqualTo(balance.toString());

        Api.FundedAccount a = Api.fundedAccount(integrator, 5_000_000);
        JsonNode q = Api.quote(t, a.id(), 2_000_000);
        as(t).body(Map.of("quoteId", q.get("id").asText(), "signature", Api.sign(q, a.wallet()))).post("/v1/cashouts")
                .then().statusCode(201);
        JsonNode after = Api.json(as(t).get("/v1/escrow").then().statusCode(200).extract().asString());
        assertThat(after.get("obligations").asText()).isEqualTo("2000000");
        assertThat(new BigInteger(after.get("headroom").asText()))
                .isEqualTo(new BigInteger(after.get("funderBalance").asText()).subtract(BigInteger.valueOf(2_000_000)));
        as(Tokens.auditor("carol")).get("/v1/escrow").then().statusCode(403);
    }

    private static BigInteger get(Future<BigInteger> f) {
        try {
            return f.get();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
