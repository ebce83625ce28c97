package io.microsettle.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import io.microsettle.testsupport.Api;
import io.microsettle.testsupport.DbRows;
import io.microsettle.testsupport.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Keys;

import java.math.BigInteger;
import java.util.Map;
import java.util.UUID;

import static io.microsettle.testsupport.Api.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * The escrow.low audit event through the API, on the dev chain's demo funder: the test profile gives
 * "escrow-low-test" a threshold above the whole demo deposit, so its first cash-out crosses it, and
 * "escrow-low-clear-test" a threshold of 1 base unit (application.properties); every other integrator
 * has alerts off (the default, 0).
 */
@QuarkusTest
class EscrowLowAlertApiTest {
    static final String LOW = "escrow-low-test";
    static final String CLEAR = "escrow-low-clear-test";
    static final String THRESHOLD = "1000000000000000";

    @Inject
    DbRows db;

    long events(String integrator) {
        return db.scalar("SELECT count(*) FROM audit_events WHERE type = 'escrow.low' AND subject = 'integrator:" + integrator + "'");
    }

    long marks(String integrator) {
        return db.scalar("SELECT count(*) FROM escrow_alerts WHERE integrator_id = '" + integrator + "'");
    }

    static String cashOut(String integrator, Api.FundedAccount a, long gross) {
        String t = Tokens.integrator(integrator);
        JsonNode q = Api.quote(t, a.id(), gross);
        return as(t).body(Map.of("quoteId", q.get("id").asText(), "signature", Api.sign(q, a.wallet()))).post("/v1/cashouts")
                .then().statusCode(201).extract().path("id");
    }

    @Test
    void theFirstCashOutBelowTheThresholdRaisesOneEscrowLowEventAndTheNextOneNone() {
        assertThat(events(LOW)).isZero();
        assertThat(marks(LOW)).isZero();
        String t = Tokens.integrator(LOW);
        Api.FundedAccount a = Api.fundedAccount(LOW, 10_000_000);

        String first = cashOut(LOW, a, 2_000_000);
        assertThat(events(LOW)).isEqualTo(1);
        assertThat(marks(LOW)).isEqualTo(1);
        JsonNode escrow = Api.json(as(t).get("/v1/escrow").then().statusCode(200).extract().asString());
        JsonNode event = Api.json(as(Tokens.auditor("alert-auditor")).queryParam("after",
                        db.scalar("SELECT seq FROM audit_events WHERE type = 'escrow.low' AND subject = 'integrator:" + LOW + "'") - 1)
                .queryParam("limit", 1).get("/v1/audit/events").then().statusCode(200).extract().asString()).get("data").get(0);
        assertThat(event.get("type").asText()).isEqualTo("escrow.low");
        assertThat(event.get("subject").asText()).isEqualTo("integrator:" + LOW);
        assertThat(event.get("actor").asText()).isEqualTo("integrator:" + LOW);
        JsonNode p = event.get("payload");
        assertThat(p.get("integratorId").asText()).isEqualTo(LOW);
        assertThat(p.get("funder").asText()).isEqualTo(escrow.get("funder").asText())
                .isEqualTo(Keys.toChecksumAddress(p.get("funder").asText())).isNotEqualTo(p.get("funder").asText().toLowerCase());
        assertThat(p.get("obligations").asText()).isEqualTo("2000000");
        BigInteger balance = new BigInteger(p.get("funderBalance").asText());
        assertThat(balance).isPositive().isLessThan(new BigInteger(THRESHOLD).add(BigInteger.valueOf(2_000_000)));
        assertThat(new BigInteger(p.get("headroom").asText())).isEqualTo(balance.subtract(BigInteger.valueOf(2_000_000)));
        assertThat(p.get("threshold").asText()).isEqualTo(THRESHOLD);
        for (String field : new String[]{"funderBalance", "obligations", "headroom", "threshold"}) {
            assertThat(p.get(field).isTextual()).as(field + " is a decimal string").isTrue();
        }
        // in the cash-out's own transaction, after its cashout.queued event (the hold and the alert come last)
        assertThat(db.scalar("SELECT count(*) FROM audit_events WHERE type = 'cashout.queued' AND subject = '" + first
                + "' AND seq < " + event.get("seq").asLong())).isEqualTo(1);

        cashOut(LOW, a, 1_000_000);
        assertThat(events(LOW)).as("still low: no second event").isEqualTo(1);
        assertThat(marks(LOW)).isEqualTo(1);
        as(Tokens.auditor("alert-auditor")).get("/v1/audit/verify").then().statusCode(200).body("ok", equalTo(true));
    }

    @Test
    void headroomBackAtTheThresholdClearsTheMarkWithoutAnEventAndAlertsAreOffByDefault() throws Exception {
        // as if CLEAR had crossed its threshold of 1 base unit before; its headroom is the demo deposit
        db.execute("INSERT INTO escrow_alerts (integrator_id, low_since) VALUES ('" + CLEAR + "', now() - interval '1 hour')");
        Api.FundedAccount a = Api.fundedAccount(CLEAR, 5_000_000);
        cashOut(CLEAR, a, 2_000_000);
        assertThat(marks(CLEAR)).isZero();
        assertThat(events(CLEAR)).isZero();
        // a second check above the threshold: nothing to clear, nothing raised
        cashOut(CLEAR, a, 1_000_000);
        assertThat(marks(CLEAR)).isZero();
        assertThat(events(CLEAR)).isZero();

        String other = "esc-off-" + UUID.randomUUID();
        cashOut(other, Api.fundedAccount(other, 5_000_000), 2_000_000);
        assertThat(events(other)).isZero();
        assertThat(marks(other)).isZero();
    }
}
