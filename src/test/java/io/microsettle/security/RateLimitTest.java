package io.microsettle.security;

import io.microsettle.testsupport.DbRows;
import io.microsettle.testsupport.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.microsettle.testsupport.Api.as;
import static io.microsettle.testsupport.Problems.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

/** The subjects "rate-limited-test" and "rate-limited-shared" have per-subject overrides in the test profile: burst 3, 0.2/s. */
@QuarkusTest
class RateLimitTest {
    @Inject
    DbRows db;
    @Inject
    RateLimitStore store;

    @Test
    void overTheBurstIs429WithRetryAfterAndWritesNothing() {
        String t = Tokens.integrator("rate-limited-test");
        for (int i = 0; i < 3; i++) {
            assertThat(as(t).get("/v1/accounts/acct_none").statusCode()).isEqualTo(404);
        }
        Map<String, Long> before = db.snapshot();
        Response r = as(t).body(Map.of("externalRef", "limited")).post("/v1/accounts");
        assertProblem(r, 429, "rate_limited");
        assertThat(Long.parseLong(r.header("Retry-After"))).isBetween(1L, 5L);
        assertThat(db.snapshot()).isEqualTo(before);
        // the bucket belongs to the subject, whatever the token's upn says
        String otherUpn = io.microsettle.testsupport.ForgedTokens.signed(io.microsettle.testsupport.ForgedTokens.claims(
                "rate-limited-test", c -> c.setClaim("upn", "someone-else")));
        assertProblem(as(otherUpn).get("/v1/accounts/acct_none"), 429, "rate_limited");
        // other integrators are not affected
        assertThat(as(Tokens.integrator("another-" + System.nanoTime())).get("/v1/accounts/acct_none").statusCode()).isEqualTo(404);
    }

    @Test
    void requestsThroughAnotherReplicaCountAgainstTheSameBucket() throws Exception {
        db.execute("DELETE FROM rate_limit_buckets WHERE caller = 'rate-limited-shared'");
        String t = Tokens.integrator("rate-limited-shared");
        assertThat(as(t).get("/v1/accounts/acct_none").statusCode()).isEqualTo(404);
        // another replica (the same store, as its filter would call it) takes the two tokens left
        for (int i = 0; i < 2; i++) assertThat(store.take("rate-limited-shared", RateLimitStore::nowMicros).allowed()).isTrue();
        Response r = as(t).get("/v1/accounts/acct_none");
        assertProblem(r, 429, "rate_limited");
        assertThat(Long.parseLong(r.header("Retry-After"))).isBetween(1L, 5L);
        assertThat(db.scalar("SELECT count(*) FROM rate_limit_buckets WHERE caller = 'rate-limited-shared'")).isEqualTo(1);
    }
}
