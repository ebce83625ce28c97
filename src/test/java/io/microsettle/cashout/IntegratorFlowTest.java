package io.microsettle.cashout;

import com.fasterxml.jackson.databind.JsonNode;
import io.microsettle.testsupport.Api;
import io.microsettle.testsupport.DbRows;
import io.microsettle.testsupport.TestVerifier;
import io.microsettle.testsupport.Tokens;
import io.microsettle.testsupport.Wallets;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.ECKeyPair;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.microsettle.testsupport.Api.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

/** What an integrator does, up to a QUEUED cash-out. */
@QuarkusTest
class IntegratorFlowTest {
    @Inject
    io.microsettle.chain.ChainClient chain;
    @Inject
    DbRows db;

    @Test
    void accountToQueuedCashout() {
        String integrator = "acme-" + UUID.randomUUID();
        String token = Tokens.integrator(integrator);
        String ref = "user-42";

        // 1. account
        String accountId = as(token).body(Map.of("externalRef", ref)).post("/v1/accounts")
                .then().statusCode(201)
                .body("verificationLevel", equalTo("NONE"))
                .body("wallet", nullValue())
                .body("balances.available", equalTo("0"))
                .extract().path("id");
        assertThat(accountId).startsWith("acct_");

        // 2. verification binds the wallet (sent lower-case, returned EIP-55)
        ECKeyPair key = Wallets.newKey();
        String wallet = Wallets.address(key);
        as(token).body(Map.of("token", TestVerifier.token(ref, wallet.toLowerCase())))
                .post("/v1/accounts/" + accountId + "/verification")
                .then().statusCode(200)
                .body("verificationLevel", equalTo("FULL"))
                .body("wallet", equalTo(wallet));

        // 3. credits, several items in one request
        as(token).body(Map.of("items", List.of(
                        Map.of("accountId", accountId, "amount", "3000000", "reference", "r-1"),
                        Map.of("accountId", accountId, "amount", "1500000", "reference", "r-2"),
                        Map.of("accountId", accountId, "amount", "500000", "reference", "r-3"))))
                .post("/v1/credits").then().statusCode(201)
                .body("count", equalTo(3)).body("total", equalTo("5000000"));

        // 4. quote
        JsonNode quote = Api.quote(token, accountId, 2_000_000);
        assertThat(quote.get("id").asText()).startsWith("quote_");
        assertThat(quote.get("gross").asText()).isEqualTo("2000000");
        // default schedule: 2.00 x 50 bps is below the minimum service fee of 0.25
        assertThat(quote.get("serviceFee").asText()).isEqualTo("250000");
        long networkFee = Long.parseLong(quote.get("networkFee").asText());
        assertThat(networkFee).isPositive();
        String fee = Long.toString(250_000 + networkFee);
        String net = Long.toString(2_000_000 - 250_000 - networkFee);
        assertThat(quote.get("fee").asText()).isEqualTo(fee);
        assertThat(quote.get("net").asText()).isEqualTo(net);
        assertThat(quote.get("feeScheduleVersion").asLong()).isPositive();
        JsonNode typed = quote.get("typedData");
        assertThat(typed.get("primaryType").asText()).isEqualTo("Cashout");
        assertThat(typed.at("/domain/name").asText()).isEqualTo("microsettle");
        assertThat(typed.at("/domain/version").asText()).isEqualTo("1");
        assertThat(typed.at("/domain/chainId").asLong()).isEqualTo(1337);
        assertThat(typed.at("/domain/verifyingContract").asText()).isEqualTo(chain.escrowAddress());
        assertThat(typed.at("/message/quoteId").asText()).isEqualTo(quote.get("id").asText());
        assertThat(typed.at("/message/destination").asText()).isEqualTo(wallet);
        assertThat(typed.at("/message/gross").asText()).isEqualTo("2000000");
        assertThat(typed.at("/message/fee").asText()).isEqualTo(fee);
        assertThat(typed.at("/message/deadline").asLong()).isGreaterThan(System.currentTimeMillis() / 1000);
        assertThat(typed.at("/types/EIP712Domain").size()).isEqualTo(4);

        // 5. the wallet signs the typed data as returned; cash out
        String signature = Api.sign(quote, key);
        String cashoutId = as(token).body(Map.of("quoteId", quote.get("id").asText(), "signature", signature))
                .post("/v1/cashouts").then().statusCode(201)
                .body("status", equalTo("QUEUED"))
                .body("gross", equalTo("2000000"))
                .body("fee", equalTo(fee))
                .body("net", equalTo(net))
                .body("destination", equalTo(wallet))
                .extract().path("id");
        assertThat(cashoutId).startsWith("co_");

        // 6. balances: available 3.0, held 2.0
        as(token).get("/v1/accounts/" + accountId).then().statusCode(200)
                .body("balances.available", equalTo("3000000"))
                .body("balances.held", equalTo("2000000"));

        // 7. reads
        as(token).get("/v1/cashouts/" + cashoutId).then().statusCode(200).body("status", equalTo("QUEUED"));
        as(token).queryParam("accountId", accountId).queryParam("status", "QUEUED").get("/v1/cashouts")
                .then().statusCode(200).body("data.size()", equalTo(1)).body("data[0].id", equalTo(cashoutId))
                .body("nextCursor", nullValue());

        // 8. the ledger sums to zero and the audit chain verifies
        assertThat(db.scalar("SELECT coalesce(sum(balance_base_units),0) FROM ledger_balances")).isZero();
        assertThat(db.scalar("SELECT coalesce(sum(amount_base_units),0) FROM ledger_postings")).isZero();
        assertThat(db.scalar("SELECT count(*) FROM audit_events WHERE subject = '" + cashoutId + "' AND type = 'cashout.queued'"))
                .isEqualTo(1);
        as(Tokens.auditor("carol")).get("/v1/audit/verify").then().statusCode(200)
                .body("ok", equalTo(true)).body("firstBadSeq", nullValue());
    }

    @Test
    void cashoutListIsCursorPaginated() {
        String integrator = "pager-" + UUID.randomUUID();
        String token = Tokens.integrator(integrator);
        Api.FundedAccount acct = Api.fundedAccount(integrator, 10_000_000);
        for (int i = 0; i < 5; i++) {
            JsonNode q = Api.quote(token, acct.id(), 1_000_000);
            as(token).body(Map.of("quoteId", q.get("id").asText(), "signature", Api.sign(q, acct.wallet())))
                    .post("/v1/cashouts").then().statusCode(201);
        }
        List<String> seen = new java.util.ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            var req = as(token).queryParam("limit", 2);
            if (cursor != null) req = req.queryParam("cursor", cursor);
            JsonNode page = Api.json(req.get("/v1/cashouts").then().statusCode(200).extract().asString());
            page.get("data").forEach(n -> seen.add(n.get("id").asText()));
            cursor = page.get("nextCursor").isNull() ? null : page.get("nextCursor").asText();
            pages++;
        } while (cursor != null && pages < 10);
        assertThat(seen).hasSize(5).doesNotHaveDuplicates();
        assertThat(pages).isEqualTo(3);
        // another integrator's list does not show them
        as(Tokens.integrator("other-" + UUID.randomUUID())).get("/v1/cashouts").then().statusCode(200)
                .body("data.size()", equalTo(0));
    }

    @Test
    void auditEventsArePagedInOrder() {
        Api.fundedAccount("audited-" + UUID.randomUUID(), 1_000);
        db.awaitAuditSealed(); // events are listed once the sealer has chained them
        JsonNode page = Api.json(as(Tokens.of("root", "admin")).queryParam("limit", 3).get("/v1/audit/events")
                .then().statusCode(200).extract().asString());
        assertThat(page.get("data").size()).isEqualTo(3);
        assertThat(page.at("/data/0/seq").asLong()).isEqualTo(1);
        assertThat(page.at("/data/0/prevHash").asText()).isEqualTo("0".repeat(64));
        assertThat(page.at("/data/1/prevHash").asText()).isEqualTo(page.at("/data/0/hash").asText());
        assertThat(page.at("/data/0/payload").isObject()).isTrue();
        assertThat(page.get("nextCursor").asText()).isEqualTo("3");
        JsonNode next = Api.json(as(Tokens.auditor("carol")).queryParam("after", 3).queryParam("limit", 1)
                .get("/v1/audit/events").then().statusCode(200).extract().asString());
        assertThat(next.at("/data/0/seq").asLong()).isEqualTo(4);
    }
}
