package io.microsettle.account;

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

import java.util.Map;
import java.util.UUID;

import static io.microsettle.testsupport.Api.as;
import static io.microsettle.testsupport.Problems.refusedWithoutWrites;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/** Binding another wallet is explicit and audited; cash-outs already requested keep theirs. */
@QuarkusTest
class WalletRebindTest {
    @Inject
    DbRows db;

    @Test
    void rebindingIsExplicitAuditedAndLeavesRequestedCashoutsAlone() {
        String integrator = "rebind-" + UUID.randomUUID();
        String t = Tokens.integrator(integrator);
        Api.FundedAccount a = Api.fundedAccount(integrator, 10_000_000);
        JsonNode q = Api.quote(t, a.id(), 1_000_000);
        String cashoutId = as(t).body(Map.of("quoteId", q.get("id").asText(), "signature", Api.sign(q, a.wallet())))
                .post("/v1/cashouts").then().statusCode(201).extract().path("id");
        JsonNode pending = Api.quote(t, a.id(), 1_000_000);

        ECKeyPair next = Wallets.newKey();
        String nextAddress = Wallets.address(next);
        String path = "/v1/accounts/" + a.id() + "/verification";
        String token = TestVerifier.token(a.externalRef(), nextAddress);
        refusedWithoutWrites(db, () -> as(t).body(Map.of("token", token)).post(path), 409, "wallet_rebind_required");
        refusedWithoutWrites(db, () -> as(t).body(Map.of("token", token, "rebindWallet", false)).post(path), 409, "wallet_rebind_required");
        // the same wallet again is a plain re-verification, no flag needed
        as(t).body(Map.of("token", TestVerifier.token(a.externalRef(), a.walletAddress()))).post(path).then().statusCode(200);

        long seqBefore = db.scalar("SELECT seq FROM audit_head");
        as(t).body(Map.of("token", token, "rebindWallet", true)).post(path).then().statusCode(200)
                .body("wallet", equalTo(nextAddress));
        assertThat(db.scalar("SELECT count(*) FROM audit_events WHERE seq > " + seqBefore
                + " AND type = 'account.wallet_rebound' AND subject = '" + a.id() + "'"
                + " AND payload_json::jsonb ->> 'previousWallet' = '" + a.walletAddress() + "'"
                + " AND payload_json::jsonb ->> 'wallet' = '" + nextAddress + "'")).isEqualTo(1);

        // the cash-out requested before keeps the wallet it was signed by
        as(t).get("/v1/cashouts/" + cashoutId).then().statusCode(200).body("wallet", equalTo(a.walletAddress()));
        // a quote priced before the rebind can no longer be authorised by the old wallet
        refusedWithoutWrites(db, () -> as(t).body(Map.of("quoteId", pending.get("id").asText(), "signature",
                Api.sign(pending, a.wallet()))).post("/v1/cashouts"), 422, "bad_signature");
        as(t).body(Map.of("quoteId", pending.get("id").asText(), "signature", Api.sign(pending, next))).post("/v1/cashouts")
                .then().statusCode(201).body("wallet", equalTo(nextAddress));
    }
}
