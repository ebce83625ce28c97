package io.microsettle.cashout;

import com.fasterxml.jackson.databind.JsonNode;
import io.microsettle.testsupport.Api;
import io.microsettle.testsupport.DbRows;
import io.microsettle.testsupport.Tokens;
import io.microsettle.testsupport.Wallets;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Sign;

import java.math.BigInteger;
import java.util.Map;
import java.util.UUID;

import static io.microsettle.testsupport.Api.as;
import static io.microsettle.testsupport.Problems.refusedWithoutWrites;
import static org.hamcrest.Matchers.equalTo;

@QuarkusTest
class CashoutRefusalsTest {
    @Inject
    DbRows db;

    static Map<String, String> body(JsonNode quote, String signature) {
        return Map.of("quoteId", quote.get("id").asText(), "signature", signature);
    }

    @Test
    void signatureRefusals() {
        String integrator = "sig-" + UUID.randomUUID();
        String t = Tokens.integrator(integrator);
        Api.FundedAccount a = Api.fundedAccount(integrator, 5_000_000);
        JsonNode q = Api.quote(t, a.id(), 1_000_000);
        String good = Api.sign(q, a.wallet());

        refusedWithoutWrites(db, () -> as(t).body(body(q, Api.sign(q, Wallets.newKey()))).post("/v1/cashouts"), 422, "bad_signature");
        refusedWithoutWrites(db, () -> as(t).body(body(q, good.substring(0, 130))).post("/v1/cashouts"), 422, "bad_signature");
        refusedWithoutWrites(db, () -> as(t).body(body(q, good + "00")).post("/v1/cashouts"), 422, "bad_signature");
        BigInteger s = new BigInteger(good.substring(66, 130), 16);
        String highS = good.substring(0, 66) + String.format("%064x", Sign.CURVE_PARAMS.getN().subtract(s))
                + (good.endsWith("1b") ? "1c" : "1b");
        refusedWithoutWrites(db, () -> as(t).body(body(q, highS)).post("/v1/cashouts"), 422, "bad_signature");
        refusedWithoutWrites(db, () -> as(t).body(body(q, "0xnothex")).post("/v1/cashouts"), 422, "bad_signature");
        // a signature over another quote (replayed onto this one)
        JsonNode other = Api.quote(t, a.id(), 1_100_000);
        refusedWithoutWrites(db, () -> as(t).body(body(q, Api.sign(other, a.wallet()))).post("/v1/cashouts"), 422, "bad_signature");

        // v as 0/1 is accepted
        int v = Integer.parseInt(good.substring(130), 16) - 27;
        String v01 = good.substring(0, 130) + String.format("%02x", v);
        as(t).body(body(q, v01)).post("/v1/cashouts").then().statusCode(201).body("status", equalTo("QUEUED"));

        // the same quote again: used
        refusedWithoutWrites(db, () -> as(t).body(body(q, good)).post("/v1/cashouts"), 409, "quote_used");
    }

    @Test
    void expiredQuote() throws Exception {
        String integrator = "exp-" + UUID.randomUUID();
        String t = Tokens.integrator(integrator);
        Api.FundedAccount a = Api.fundedAccount(integrator, 5_000_000);
        JsonNode q = Api.quote(t, a.id(), 1_000_000);
        db.execute("UPDATE quotes SET expires_at = now() - interval '1 second' WHERE id = '" + q.get("id").asText() + "'");
        refusedWithoutWrites(db, () -> as(t).body(body(q, Api.sign(q, a.wallet()))).post("/v1/cashouts"), 422, "quote_expired");
    }

    @Test
    void insufficientBalance() {
        String integrator = "bal-" + UUID.randomUUID();
        String t = Tokens.integrator(integrator);
        Api.FundedAccount a = Api.fundedAccount(integrator, 1_500_000);
        refusedWithoutWrites(db, () -> as(t).body(Map.of("accountId", a.id(), "amount", "1500001")).post("/v1/quotes"),
                422, "insufficient_balance");
        // two quotes each within the balance; the second cash-out finds it held
        JsonNode q1 = Api.quote(t, a.id(), 1_000_000);
        JsonNode q2 = Api.quote(t, a.id(), 1_000_000);
        as(t).body(body(q1, Api.sign(q1, a.wallet()))).post("/v1/cashouts").then().statusCode(201);
        refusedWithoutWrites(db, () -> as(t).body(body(q2, Api.sign(q2, a.wallet()))).post("/v1/cashouts"),
                422, "insufficient_balance");
        as(t).get("/v1/accounts/" + a.id()).then()
                .body("balances.available", equalTo("500000")).body("balances.held", equalTo("1000000"));
    }

    @Test
    void quoteRefusals() {
        String integrator = "q-" + UUID.randomUUID();
        String t = Tokens.integrator(integrator);
        Api.FundedAccount a = Api.fundedAccount(integrator, 5_000_000);
        String lower = a.walletAddress().toLowerCase();
        String mixedBad = "0x" + swapFirstLetter(a.walletAddress().substring(2));
        if (!mixedBad.equals(a.walletAddress())) {
            refusedWithoutWrites(db, () -> as(t).body(Map.of("accountId", a.id(), "amount", "1000000", "destination", mixedBad))
                    .post("/v1/quotes"), 400, "invalid_address");
        }
        refusedWithoutWrites(db, () -> as(t).body(Map.of("accountId", a.id(), "amount", "1000000", "destination", "0x1234"))
                .post("/v1/quotes"), 400, "invalid_address");
        refusedWithoutWrites(db, () -> as(t).body(Map.of("accountId", a.id(), "amount", "300000")).post("/v1/quotes"),
                400, "invalid_amount");
        refusedWithoutWrites(db, () -> as(t).body(Map.of("accountId", a.id(), "amount", "-1")).post("/v1/quotes"),
                400, "invalid_amount");
        refusedWithoutWrites(db, () -> as(t).body(Map.of("accountId", "acct_missing", "amount", "1000000")).post("/v1/quotes"),
                404, "not_found");
        refusedWithoutWrites(db, () -> as(t).body(Map.of("amount", "1000000")).post("/v1/quotes"), 400, "validation_failed");
        String unverified = Api.createAccount(t, "plain-" + UUID.randomUUID());
        Api.credit(t, unverified, 5_000_000, "uv-" + UUID.randomUUID());
        refusedWithoutWrites(db, () -> as(t).body(Map.of("accountId", unverified, "amount", "1000000")).post("/v1/quotes"),
                422, "verification_required");
        // lower-case destination in, EIP-55 out
        as(t).body(Map.of("accountId", a.id(), "amount", "1000000", "destination", lower)).post("/v1/quotes")
                .then().statusCode(201).body("destination", equalTo(a.walletAddress()));
        refusedWithoutWrites(db, () -> as(t).body(Map.of("quoteId", "quote_missing", "signature", "0x00")).post("/v1/cashouts"),
                404, "not_found");
        refusedWithoutWrites(db, () -> as(t).queryParam("limit", 0).get("/v1/cashouts"), 400, "validation_failed");
        refusedWithoutWrites(db, () -> as(t).queryParam("limit", 101).get("/v1/cashouts"), 400, "validation_failed");
        refusedWithoutWrites(db, () -> as(t).queryParam("limit", "ten").get("/v1/cashouts"), 400, "validation_failed");
        refusedWithoutWrites(db, () -> as(t).queryParam("limit", "99999999999").get("/v1/cashouts"), 400, "validation_failed");
        refusedWithoutWrites(db, () -> as(t).queryParam("status", "NOPE").get("/v1/cashouts"), 400, "validation_failed");
        refusedWithoutWrites(db, () -> as(t).queryParam("cursor", "!!!").get("/v1/cashouts"), 400, "validation_failed");
    }

    static String swapFirstLetter(String hex) {
        char[] c = hex.toCharArray();
        for (int i = 0; i < c.length; i++) {
            if (Character.isLetter(c[i])) {
                c[i] = Character.isUpperCase(c[i]) ? Character.toLowerCase(c[i]) : Character.toUpperCase(c[i]);
                return new String(c);
            }
        }
        return hex;
    }
}
