package io.microsettle.ledger;

import static io.microsettle.testsupport.Api.as;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.microsettle.testsupport.Api;
import io.microsettle.testsupport.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import java.math.BigInteger;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** GET /v1/ops/escrow: every integrator's funder balance, obligations and headroom, for operators only. */
@QuarkusTest
class EscrowOpsApiTest {

    @Test
    void listsEachIntegratorWithItsFunderObligationsAndHeadroom() {
        String integrator = "escrow-ops-" + UUID.randomUUID().toString().substring(0, 8);
        String token = Tokens.integrator(integrator);
        Api.FundedAccount a = Api.fundedAccount(integrator, 5_000_000);
        Api.cashout(token, a, 1_500_000, null).then().statusCode(201);
        JsonNode own = Api.json(as(token).get("/v1/escrow").then().statusCode(200).extract().asString());

        JsonNode o = Api.json(as(Tokens.of("olga", "operator")).get("/v1/ops/escrow").then().statusCode(200).extract().asString());
        assertThat(o.path("decimals").asInt()).isEqualTo(own.path("decimals").asInt());
        assertThat(o.path("escrow").asText()).isEqualTo(own.path("escrow").asText());
        assertThat(o.path("truncated").asBoolean()).isFalse();
        Map<String, JsonNode> rows = new HashMap<>();
        o.path("data").forEach(r -> rows.put(r.path("integratorId").asText(), r));
        JsonNode mine = rows.get(integrator);
        assertThat(mine).as(o.toString()).isNotNull();
        assertThat(mine.path("funder").asText()).isEqualTo(own.path("funder").asText());
        assertThat(mine.path("obligations").asText()).isEqualTo("1500000");
        BigInteger balance = new BigInteger(mine.path("funderBalance").asText());
        assertThat(balance).isEqualTo(new BigInteger(own.path("funderBalance").asText()));
        assertThat(new BigInteger(mine.path("headroom").asText())).isEqualTo(balance.subtract(BigInteger.valueOf(1_500_000)));
        // a configured funder with no deposit shows even without accounts: nothing to pay with
        JsonNode unfunded = rows.get("unfunded");
        assertThat(unfunded).as(o.toString()).isNotNull();
        assertThat(unfunded.path("funderBalance").asText()).isEqualTo("0");
        assertThat(unfunded.path("funder").asText()).isEqualToIgnoringCase("0xa0Ee7A142d267C1f36714E4a8F75612F20a79720");
    }

    @Test
    void operatorsAndAdminsOnly() {
        RestAssured.given().get("/v1/ops/escrow").then().statusCode(401);
        as(Tokens.integrator("demo")).get("/v1/ops/escrow").then().statusCode(403);
        as(Tokens.auditor("auditor-1")).get("/v1/ops/escrow").then().statusCode(403);
        as(Tokens.of("alice", "admin")).get("/v1/ops/escrow").then().statusCode(200);
    }
}
