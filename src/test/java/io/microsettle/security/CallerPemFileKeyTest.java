package io.microsettle.security;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import static io.microsettle.security.CallerKeyFiles.dir;
import static io.microsettle.security.CallerKeyFiles.jwkPrivateKey;
import static io.microsettle.security.CallerKeyFiles.listCashouts;
import static io.microsettle.security.CallerKeyFiles.token;
import static io.microsettle.testsupport.Problems.assertProblem;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/** The callers' key from a PEM file (one key, no kid): it verifies, no other key does. */
@QuarkusTest
@TestProfile(CallerKeyFiles.PemFile.class)
class CallerPemFileKeyTest {
    @Test
    void theKeyInThePemFileVerifiesAndNoOtherDoes() {
        assertThat(listCashouts(token(DevKeys.privateKey(dir().resolve("pem")), null))).isEqualTo(200);
        assertProblem(given().header("Authorization", "Bearer " + token(DevKeys.privateKey(dir().resolve("other")), null))
                .get("/v1/cashouts"), 401, "invalid_token");
        // the JWKS-file keys are not this profile's keys
        assertProblem(given().header("Authorization", "Bearer " + token(jwkPrivateKey("a.jwk"), "file-a"))
                .get("/v1/cashouts"), 401, "invalid_token");
    }
}
