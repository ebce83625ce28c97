package io.microsettle.chain;

import com.fasterxml.jackson.databind.JsonNode;
import io.microsettle.testsupport.Api;
import io.microsettle.testsupport.DbRows;
import io.microsettle.testsupport.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.microsettle.testsupport.Api.as;
import static io.microsettle.testsupport.Problems.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chain stops answering (this profile's own dev chain is stopped mid-test) and nothing is
 * cached: a quote is refused with 503 {@code network_fee_unavailable}, a cash-out and the escrow
 * view with 503 {@code chain_unavailable}, each with {@code Retry-After} and no row written.
 */
@QuarkusTest
@TestProfile(ChainUnavailableTest.NothingCached.class)
class ChainUnavailableTest {
    public static class NothingCached implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("microsettle.pricing.network.fee-history-cache-millis", "0",
                    "microsettle.pricing.network.fee-history-max-stale-millis", "0",
                    "microsettle.funding.balance-cache-millis", "0");
        }
    }

    static final String INTEGRATOR = "chain-unavailable-test";

    @Inject
    ChainClient chain;
    @Inject
    DbRows db;

    @Test
    void aChainThatDoesNotAnswerIs503WithRetryAfterAndWritesNothing() {
        String t = Tokens.integrator(INTEGRATOR);
        Api.FundedAccount a = Api.fundedAccount(INTEGRATOR, 10_000_000);
        JsonNode quote = Api.quote(t, a.id(), 2_000_000);
        as(t).get("/v1/escrow").then().statusCode(200);

        chain.devChain().orElseThrow().close();

        Map<String, Long> before = db.snapshot();
        Response q = as(t).body(Map.of("accountId", a.id(), "amount", "1000000")).post("/v1/quotes");
        assertProblem(q, 503, "network_fee_unavailable");
        assertThat(q.header("Retry-After")).isEqualTo("5");
        Response c = as(t).body(Map.of("quoteId", quote.get("id").asText(), "signature", Api.sign(quote, a.wallet())))
                .post("/v1/cashouts");
        assertProblem(c, 503, "chain_unavailable");
        assertThat(c.header("Retry-After")).isEqualTo("5");
        Response e = as(t).get("/v1/escrow");
        assertProblem(e, 503, "chain_unavailable");
        assertThat(e.header("Retry-After")).isEqualTo("5");
        assertThat(db.snapshot()).isEqualTo(before);
        // the quote was not used up by the refused cash-out
        assertThat(db.text("SELECT coalesce(used_at::text, 'unused') FROM quotes WHERE id = '" + quote.get("id").asText() + "'"))
                .isEqualTo("unused");
    }
}
