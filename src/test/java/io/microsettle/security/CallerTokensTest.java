package io.microsettle.security;

import io.microsettle.testsupport.DbRows;
import io.microsettle.testsupport.EmbeddedPostgresResource;
import io.microsettle.testsupport.ForgedTokens;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.jose4j.jwt.NumericDate;
import org.junit.jupiter.api.Test;

import static io.microsettle.testsupport.Problems.refusedWithoutWrites;
import static io.restassured.RestAssured.given;

/**
 * Bearer tokens that are accepted: both keys of the callers' JWKS, which the test resource serves
 * at a loopback URL (a rotation's overlap),
 * within the clock skew and the maximum token age. The refusals are in {@link RefusalSuiteTest}.
 */
@QuarkusTest
class CallerTokensTest {
    @Inject
    DbRows db;

    static int status(String token) {
        return given().header("Authorization", "Bearer " + token).get("/v1/cashouts").statusCode();
    }

    @Test
    void bothKeysOfARotationAreAccepted() {
        var claims = ForgedTokens.claims("rotating", c -> {});
        org.assertj.core.api.Assertions.assertThat(status(ForgedTokens.signed(claims))).isEqualTo(200);
        var next = ForgedTokens.nextKey();
        org.assertj.core.api.Assertions.assertThat(status(ForgedTokens.sign(claims, next.getPrivateKey(), "RS256",
                EmbeddedPostgresResource.CALLER_NEXT_KID, h -> {}))).isEqualTo(200);
        // the next key under the current key's kid does not verify
        refusedWithoutWrites(db, () -> given().header("Authorization", "Bearer " + ForgedTokens.sign(claims, next.getPrivateKey(),
                "RS256", EmbeddedPostgresResource.CALLER_KID, h -> {})).get("/v1/cashouts"), 401, "invalid_token");
    }

    @Test
    void clockSkewIsBounded() {
        long now = ForgedTokens.now();
        // mp.jwt.verify.clock.skew=30: expired 10 s ago passes, 120 s ago does not
        org.assertj.core.api.Assertions.assertThat(status(ForgedTokens.signed(ForgedTokens.claims("skew", c -> {
            c.setIssuedAt(NumericDate.fromSeconds(now - 600));
            c.setExpirationTime(NumericDate.fromSeconds(now - 10));
        })))).isEqualTo(200);
        refusedWithoutWrites(db, () -> given().header("Authorization", "Bearer " + ForgedTokens.signed(ForgedTokens.claims("skew", c -> {
            c.setIssuedAt(NumericDate.fromSeconds(now - 600));
            c.setExpirationTime(NumericDate.fromSeconds(now - 120));
        }))).get("/v1/cashouts"), 401, "token_expired");
    }

    @Test
    void maximumTokenAgeIsEnforced() {
        long now = ForgedTokens.now();
        // mp.jwt.verify.token.age=90000 (25 h)
        org.assertj.core.api.Assertions.assertThat(status(ForgedTokens.signed(ForgedTokens.claims("age", c ->
                c.setIssuedAt(NumericDate.fromSeconds(now - 24 * 3600)))))).isEqualTo(200);
        refusedWithoutWrites(db, () -> given().header("Authorization", "Bearer " + ForgedTokens.signed(ForgedTokens.claims("age", c ->
                c.setIssuedAt(NumericDate.fromSeconds(now - 25 * 3600 - 60))))).get("/v1/cashouts"), 401, "token_expired");
    }

    @Test
    void aTokenWithoutKidIsRefusedWhenTheJwksHasSeveralKeys() {
        refusedWithoutWrites(db, () -> given().header("Authorization", "Bearer " + ForgedTokens.sign(ForgedTokens.claims("nokid", c -> {}),
                ForgedTokens.devKey(), "RS256", null, h -> {})).get("/v1/cashouts"), 401, "invalid_token");
    }
}
