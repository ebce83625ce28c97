package io.microsettle.security;

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
import static io.microsettle.testsupport.Api.failsPastTheCommit;
import static io.microsettle.testsupport.Api.retriedAfterAFailurePastTheCommit;
import static io.microsettle.testsupport.Problems.assertProblem;
import static io.microsettle.testsupport.Problems.refusedWithoutWrites;
import static org.assertj.core.api.Assertions.assertThat;

@QuarkusTest
class IdempotencyTest {
    @Inject
    DbRows db;
    @Inject
    IdempotencyStore store;

    @Test
    void sameKeySameBodyReplaysTheFirstResponse() {
        String t = Tokens.integrator("idem-" + UUID.randomUUID());
        String key = UUID.randomUUID().toString();
        Map<String, String> body = Map.of("externalRef", "idem-user");
        Response first = as(t).header("Idempotency-Key", key).body(body).post("/v1/accounts");
        assertThat(first.statusCode()).isEqualTo(201);
        Map<String, Long> before = db.snapshot();
        Response again = as(t).header("Idempotency-Key", key).body(body).post("/v1/accounts");
        assertThat(again.statusCode()).isEqualTo(201);
        assertThat(again.asString()).isEqualTo(first.asString());
        assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(db.snapshot()).isEqualTo(before);

        refusedWithoutWrites(db, () -> as(t).header("Idempotency-Key", key).body(Map.of("externalRef", "other"))
                .post("/v1/accounts"), 409, "idempotency_key_reused");
        // without the key the same body is a new request (and here a duplicate externalRef)
        assertProblem(as(t).body(body).post("/v1/accounts"), 409, "account_exists");
        // another integrator's identical key is its own
        assertThat(as(Tokens.integrator("idem2-" + UUID.randomUUID())).header("Idempotency-Key", key).body(body)
                .post("/v1/accounts").statusCode()).isEqualTo(201);
    }

    @Test
    void refusalsAreReplayedToo() {
        String t = Tokens.integrator("idem-" + UUID.randomUUID());
        String key = UUID.randomUUID().toString();
        Map<String, Object> body = Map.of("items", List.of(Map.of("accountId", "acct_nope", "amount", "5", "reference", "r")));
        Response first = as(t).header("Idempotency-Key", key).body(body).post("/v1/credits");
        assertProblem(first, 404, "not_found");
        Response again = as(t).header("Idempotency-Key", key).body(body).post("/v1/credits");
        assertProblem(again, 404, "not_found");
        assertThat(again.asString()).isEqualTo(first.asString());
        refusedWithoutWrites(db, () -> as(t).header("Idempotency-Key", "has space").body(body).post("/v1/credits"),
                400, "validation_failed");
    }

    @Test
    void concurrentRequestsWithOneKeyRunOnce() throws Exception {
        String integrator = "idem-" + UUID.randomUUID();
        String t = Tokens.integrator(integrator);
        String account = Api.createAccount(t, "u");
        String key = UUID.randomUUID().toString();
        Map<String, Object> body = Map.of("items", List.of(Map.of("accountId", account, "amount", "5", "reference", "once")));
        ExecutorService pool = Executors.newFixedThreadPool(10);
        try {
            List<Future<Response>> fs = new ArrayList<>();
            for (int i = 0; i < 20; i++) fs.add(pool.submit(() -> as(t).header("Idempotency-Key", key).body(body).post("/v1/credits")));
            int created = 0;
            for (Future<Response> f : fs) {
                Response r = f.get(60, TimeUnit.SECONDS);
                if (r.statusCode() == 201) created++;
                else assertProblem(r, 409, "idempotency_in_progress");
            }
            assertThat(created).isGreaterThanOrEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
        assertThat(db.scalar("SELECT count(*) FROM ledger_entries WHERE integrator_id = '" + integrator + "'")).isEqualTo(1);
        as(t).get("/v1/accounts/" + account).then().statusCode(200)
                .body("balances.available", org.hamcrest.Matchers.equalTo("5"));
    }

    /**
     * A cash-out claims its key in its own transaction (no commit of its own): 12 requests at once with one key make one
     * cash-out; each other request waits for it and is refused 409 idempotency_in_progress, or comes after it and is
     * replayed. A refusal made inside such a transaction (which rolled the claim back) is kept and replayed too.
     */
    @Test
    void concurrentCashoutsWithOneKeyMakeOneAndAnInTransactionRefusalIsReplayed() throws Exception {
        SignedQuote q = signedQuote("idem-cc-");
        String key = UUID.randomUUID().toString();
        ExecutorService pool = Executors.newFixedThreadPool(12);
        List<Response> answers = new ArrayList<>();
        try {
            List<Future<Response>> fs = new ArrayList<>();
            for (int i = 0; i < 12; i++) fs.add(pool.submit(() -> as(q.token()).header("Idempotency-Key", key).body(q.body()).post("/v1/cashouts")));
            for (Future<Response> f : fs) answers.add(f.get(60, TimeUnit.SECONDS));
        } finally {
            pool.shutdownNow();
        }
        assertThat(db.scalar("SELECT count(*) FROM cashouts WHERE quote_id = '" + q.quoteId() + "'")).isEqualTo(1);
        String made = db.text("SELECT id FROM cashouts WHERE quote_id = '" + q.quoteId() + "'");
        for (Response r : answers) {
            if (r.statusCode() == 201) assertThat(r.jsonPath().getString("id")).isEqualTo(made);
            else assertProblem(r, 409, "idempotency_in_progress");
        }
        assertThat(answers).filteredOn(r -> r.statusCode() == 201 && r.header("Idempotent-Replayed") == null).hasSize(1);

        // account_exists is thrown inside the creation's transaction: kept for the key all the same
        String t = q.token();
        String ref = "dup-" + UUID.randomUUID();
        Api.createAccount(t, ref);
        String refusalKey = UUID.randomUUID().toString();
        Response refused = as(t).header("Idempotency-Key", refusalKey).body(Map.of("externalRef", ref)).post("/v1/accounts");
        assertProblem(refused, 409, "account_exists");
        Response replayed = as(t).header("Idempotency-Key", refusalKey).body(Map.of("externalRef", ref)).post("/v1/accounts");
        assertThat(replayed.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(replayed.asString()).isEqualTo(refused.asString());
    }

    /**
     * A cash-out whose transaction committed but whose request then failed (a crash point after the commit: the client
     * got a 500, as it gets no answer when the process dies there) is replayed on a retry with the same key: the 201 of
     * the cash-out that was made, stored in its own commit. Before, the 500 released the key, and the retry ran the
     * request again and was refused 409 quote_used, leaving the client no way to learn what had happened.
     */
    @Test
    void aCashoutThatCommittedBeforeItsRequestFailedIsReplayedNotRepeated() {
        SignedQuote q = signedQuote("idem-co-");
        String t = q.token();
        String quoteId = q.quoteId();
        String body = q.body();
        String key = UUID.randomUUID().toString();
        failsPastTheCommit("cashout.after-commit", () -> as(t).header("Idempotency-Key", key).body(body).post("/v1/cashouts"));
        assertThat(db.scalar("SELECT count(*) FROM cashouts WHERE quote_id = '" + quoteId + "'")).as("the cash-out was made").isEqualTo(1);

        Response retry = as(t).header("Idempotency-Key", key).body(body).post("/v1/cashouts");
        assertThat(retry.statusCode()).as(retry.asString()).isEqualTo(201);
        assertThat(retry.header("Idempotent-Replayed")).isEqualTo("true");
        String id = Api.json(retry.asString()).get("id").asText();
        assertThat(Api.json(retry.asString()).get("status").asText()).isEqualTo("QUEUED");
        assertThat(db.scalar("SELECT count(*) FROM cashouts WHERE id = '" + id + "' AND quote_id = '" + quoteId + "'")).isEqualTo(1);
        // the replay is the response as the request would have sent it: the cash-out as GET shows it
        assertThat(Api.json(retry.asString())).isEqualTo(Api.json(as(t).get("/v1/cashouts/" + id).asString()));
        assertThat(as(t).header("Idempotency-Key", key).body(body).post("/v1/cashouts").asString()).isEqualTo(retry.asString());
    }

    /**
     * The other creating POSTs store their response in their transaction too: an account created, verified or quoted
     * by a request that failed past its commit is replayed to the retry. Before, the filter freed the key on the 500, and
     * the retry was refused 409 account_exists (creation), or made a second quote, or verified again with a second
     * audit event.
     */
    @Test
    void anAccountCreatedPastAFailureIsReplayedToTheRetry() {
        String integrator = "idem-acct-" + UUID.randomUUID();
        String t = Tokens.integrator(integrator);
        String body = "{\"externalRef\":\"user-" + UUID.randomUUID() + "\"}";
        Response retry = retriedAfterAFailurePastTheCommit("accounts.after-commit", t, "/v1/accounts", body, 201);
        String id = Api.json(retry.asString()).get("id").asText();
        assertThat(db.scalar("SELECT count(*) FROM accounts WHERE integrator_id = '" + integrator + "'")).isEqualTo(1);
        assertThat(Api.json(retry.asString())).isEqualTo(Api.json(as(t).get("/v1/accounts/" + id).asString()));
    }

    @Test
    void aVerificationPastAFailureIsReplayedToTheRetry() {
        String integrator = "idem-ver-" + UUID.randomUUID();
        String t = Tokens.integrator(integrator);
        String ref = "user-" + UUID.randomUUID();
        String id = Api.createAccount(t, ref);
        String wallet = io.microsettle.testsupport.Wallets.address(io.microsettle.testsupport.Wallets.newKey()).toLowerCase();
        String body = "{\"token\":\"" + io.microsettle.testsupport.TestVerifier.token(ref, wallet) + "\"}";
        Response retry = retriedAfterAFailurePastTheCommit("accounts.verification.after-commit", t, "/v1/accounts/" + id + "/verification",
                body, 200);
        assertThat(Api.json(retry.asString()).get("wallet").asText()).isEqualToIgnoringCase(wallet);
        assertThat(db.scalar("SELECT count(*) FROM audit_events WHERE subject = '" + id + "' AND type = 'account.verified'")).isEqualTo(1);
    }

    @Test
    void aQuoteMadePastAFailureIsReplayedNotMadeAgain() {
        String integrator = "idem-quote-" + UUID.randomUUID();
        String t = Tokens.integrator(integrator);
        Api.FundedAccount a = Api.fundedAccount(integrator, 10_000_000);
        String body = "{\"accountId\":\"" + a.id() + "\",\"amount\":\"2000000\"}";
        Response retry = retriedAfterAFailurePastTheCommit("quotes.after-commit", t, "/v1/quotes", body, 201);
        assertThat(db.scalar("SELECT count(*) FROM quotes WHERE account_id = '" + a.id() + "'")).isEqualTo(1);
        assertThat(Api.json(retry.asString()).get("id").asText()).isEqualTo(db.text("SELECT id FROM quotes WHERE account_id = '" + a.id() + "'"));
    }

    /**
     * Webhook endpoints and their secrets: a creation or a rotation that committed before its request failed is replayed
     * with the secret it made. Before, the filter freed the key on the 500, and the retry made a second endpoint (or
     * rotated again, and the first new secret, never seen by the client, kept signing during the overlap).
     */
    @Test
    void aWebhookEndpointAndARotatedSecretPastAFailureAreReplayedWithTheirSecret() {
        String integrator = "idem-wh-" + UUID.randomUUID();
        String t = Tokens.integrator(integrator);
        String body = "{\"url\":\"https://hooks.example.com/idem\",\"events\":[\"cashout.queued\"]}";
        Response created = retriedAfterAFailurePastTheCommit("webhooks.after-commit", t, "/v1/webhooks", body, 201);
        String id = created.jsonPath().getString("id");
        try {
            assertThat(db.scalar("SELECT count(*) FROM webhook_endpoints WHERE integrator_id = '" + integrator + "'")).isEqualTo(1);
            assertThat(created.jsonPath().getString("secret")).startsWith("whsec_");

            Response rotated = retriedAfterAFailurePastTheCommit("webhooks.rotate-secret.after-commit", t,
                    "/v1/webhooks/" + id + "/rotate-secret", "{\"expiresInSeconds\":60}", 200);
            assertThat(db.scalar("SELECT count(*) FROM audit_events WHERE subject = '" + id + "' AND type = 'webhook.secret_rotated'"))
                    .isEqualTo(1);
            // the replayed secret is the one that signs now; the creation's keeps signing during the overlap
            assertThat(rotated.jsonPath().getString("secret")).startsWith("whsec_").isNotEqualTo(created.jsonPath().getString("secret"));
            assertThat(rotated.jsonPath().getString("previousSecretExpiresAt")).isNotBlank();
        } finally {
            as(t).delete("/v1/webhooks/" + id).then().statusCode(200);
        }
    }

    /**
     * Operators' POSTs take an Idempotency-Key too, scoped per person: a review decision that committed before its request
     * failed is replayed (before, staff keys were ignored, and the retry was refused 409 review_decided); another operator's
     * identical key is its own; the replay is refused to nobody else.
     */
    @Test
    void anOperatorsDecisionPastAFailureIsReplayedAndKeysAreScopedPerOperator() {
        String integrator = "idem-rev-" + UUID.randomUUID();
        String t = Tokens.integrator(integrator);
        Api.FundedAccount a = Api.fundedAccount(integrator, 10_000_000);
        Response held = Api.cashout(t, a, 2_000_000, "0x000000000000000000000000000000000000dead");
        assertThat(held.jsonPath().getString("status")).as(held.asString()).isEqualTo("HELD");
        String cashout = held.jsonPath().getString("id");
        String olga = Tokens.of("olga-" + UUID.randomUUID(), "operator");
        String body = "{\"note\":\"checked\"}";

        Response retry = retriedAfterAFailurePastTheCommit("reviews.after-commit", olga, "/v1/reviews/" + cashout + "/approve", body, 200);
        assertThat(retry.jsonPath().getString("decision")).isEqualTo("APPROVED");
        assertThat(db.scalar("SELECT count(*) FROM audit_events WHERE subject = '" + cashout + "' AND type = 'cashout.queued'"))
                .isEqualTo(1);
        assertThat(db.scalar("SELECT count(*) FROM idempotency_keys WHERE caller_scope LIKE 'staff:olga-%' AND response_status = 200 "
                + "AND path = '/v1/reviews/" + cashout + "/approve'")).isEqualTo(1);

        // the same key from another operator is not olga's: it runs, and the cash-out was decided already
        String key = db.text("SELECT idempotency_key FROM idempotency_keys WHERE caller_scope LIKE 'staff:olga-%' AND path = '/v1/reviews/"
                + cashout + "/approve'");
        Response other = as(Tokens.of("oscar-" + UUID.randomUUID(), "operator")).header("Idempotency-Key", key).body(body)
                .post("/v1/reviews/" + cashout + "/approve");
        assertProblem(other, 409, "review_decided");
        assertThat(other.header("Idempotent-Replayed")).isNull();
    }

    /** A cash-out answered normally is replayed byte for byte (its response stored in its transaction, not by the filter). */
    @Test
    void aCashoutIsReplayedByteForByte() {
        SignedQuote q = signedQuote("idem-co-");
        String t = q.token();
        String body = q.body();
        String key = UUID.randomUUID().toString();
        Response first = as(t).header("Idempotency-Key", key).body(body).post("/v1/cashouts");
        assertThat(first.statusCode()).as(first.asString()).isEqualTo(201);
        assertThat(first.header("Idempotent-Replayed")).isNull();
        Response again = as(t).header("Idempotency-Key", key).body(body).post("/v1/cashouts");
        assertThat(again.statusCode()).isEqualTo(201);
        assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(again.asString()).isEqualTo(first.asString());
    }

    /**
     * Credits likewise: posted by a writer for many requests in one transaction, each request's 201 is stored in that
     * commit, so a request that failed after it (a crash point after the commit) is replayed, not refused as a reuse of
     * its references (409) on the retry.
     */
    @Test
    void creditsThatCommittedBeforeTheirRequestFailedAreReplayedNotRepeated() {
        String integrator = "idem-cr-" + UUID.randomUUID();
        String t = Tokens.integrator(integrator);
        String account = Api.createAccount(t, "u");
        Map<String, Object> body = Map.of("items", List.of(Map.of("accountId", account, "amount", "7", "reference", "after-commit")));
        Response retry = retriedAfterAFailurePastTheCommit("credits.after-commit", t, "/v1/credits", body, 201);
        assertThat(Api.json(retry.asString()).get("count").asInt()).isEqualTo(1);
        assertThat(db.scalar("SELECT count(*) FROM ledger_entries WHERE integrator_id = '" + integrator + "'")).isEqualTo(1);
        as(t).get("/v1/accounts/" + account).then().statusCode(200).body("balances.available", org.hamcrest.Matchers.equalTo("7"));
    }

    /**
     * A key whose request never answered (claimed, then its process died before the commit: nothing made, nothing
     * stored; a real kill leaves exactly this row) answers idempotency_in_progress until
     * idempotency-abandoned-after-seconds (300) have passed since the claim; then a retry of the same request takes
     * it over and runs it, once. Another request with that key is still refused.
     */
    @Test
    void aClaimWhoseRequestNeverAnsweredIsTakenOverOnceAbandoned() throws Exception {
        SignedQuote q = signedQuote("idem-ab-");
        String integrator = q.integrator();
        String t = q.token();
        String quoteId = q.quoteId();
        String body = q.body();
        String key = UUID.randomUUID().toString();
        String hash = IdempotencyFilters.sha256("POST", "/v1/cashouts", body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(store.claim(integrator, key, "POST", "/v1/cashouts", hash)).isInstanceOf(IdempotencyStore.Proceed.class);
        String row = "caller_scope = '" + integrator + "' AND idempotency_key = '" + key + "'";

        assertProblem(as(t).header("Idempotency-Key", key).body(body).post("/v1/cashouts"), 409, "idempotency_in_progress");
        db.execute("UPDATE idempotency_keys SET created_at = now() - interval '290 seconds' WHERE " + row);
        assertProblem(as(t).header("Idempotency-Key", key).body(body).post("/v1/cashouts"), 409, "idempotency_in_progress");
        db.execute("UPDATE idempotency_keys SET created_at = now() - interval '310 seconds' WHERE " + row);
        assertProblem(as(t).header("Idempotency-Key", key).body(Map.of("quoteId", quoteId, "signature", "0x00")).post("/v1/cashouts"),
                409, "idempotency_key_reused");

        Response taken = as(t).header("Idempotency-Key", key).body(body).post("/v1/cashouts");
        assertThat(taken.statusCode()).as(taken.asString()).isEqualTo(201);
        assertThat(taken.header("Idempotent-Replayed")).isNull();
        Response again = as(t).header("Idempotency-Key", key).body(body).post("/v1/cashouts");
        assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(again.asString()).isEqualTo(taken.asString());
        assertThat(db.scalar("SELECT count(*) FROM cashouts WHERE quote_id = '" + quoteId + "'")).isEqualTo(1);
    }

    /** A funded account's quote of 2.00 signed by its wallet: the token to post it with and the cash-out request's JSON. */
    record SignedQuote(String integrator, String token, String quoteId, String body) {}

    static SignedQuote signedQuote(String integratorPrefix) {
        String integrator = integratorPrefix + UUID.randomUUID();
        String t = Tokens.integrator(integrator);
        Api.FundedAccount a = Api.fundedAccount(integrator, 10_000_000);
        JsonNode quote = Api.quote(t, a.id(), 2_000_000);
        String quoteId = quote.get("id").asText();
        return new SignedQuote(integrator, t, quoteId, "{\"quoteId\":\"" + quoteId + "\",\"signature\":\"" + Api.sign(quote, a.wallet()) + "\"}");
    }
}
