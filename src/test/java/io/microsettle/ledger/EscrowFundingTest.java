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
import java.util.Map;
import java.util.UUID;

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
}
