package io.microsettle.security;

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
import static io.microsettle.testsupport.Problems.assertProblem;
import static io.microsettle.testsupport.Problems.refusedWithoutWrites;
import static org.assertj.core.api.Assertions.assertThat;

@QuarkusTest
class IdempotencyTest {
    @Inject
    DbRows db;

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
}
