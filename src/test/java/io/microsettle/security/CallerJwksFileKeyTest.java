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

/** The callers' keys from a JWKS file with a rotation's two keys: both verify, selected by kid. */
@QuarkusTest
@TestProfile(CallerKeyFiles.JwksFile.class)
class CallerJwksFileKeyTest {
    @Test
    void bothKeysOfTheFileVerifySelectedByKid() {
        assertThat(listCashouts(token(jwkPrivateKey("a.jwk"), "file-a"))).isEqualTo(200);
        assertThat(listCashouts(token(jwkPrivateKey("b.jwk"), "file-b"))).isEqualTo(200);
        // a key of the file under the other key's kid, an unknown kid, and a key not in the file: refused
        assertProblem(given().header("Authorization", "Bearer " + token(jwkPrivateKey("a.jwk"), "file-b"))
                .get("/v1/cashouts"), 401, "invalid_token");
        assertProblem(given().header("Authorization", "Bearer " + token(jwkPrivateKey("a.jwk"), "file-c"))
                .get("/v1/cashouts"), 401, "invalid_token");
        assertProblem(given().header("Authorization", "Bearer " + token(DevKeys.privateKey(dir().resolve("other")), "file-a"))
                .get("/v1/cashouts"), 401, "invalid_token");
    }
}
