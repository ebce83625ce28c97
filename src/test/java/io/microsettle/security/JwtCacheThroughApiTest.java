package io.microsettle.security;

import io.microsettle.testsupport.DbRows;
import io.microsettle.testsupport.EmbeddedPostgresResource;
import io.microsettle.testsupport.ForgedTokens;
import io.microsettle.testsupport.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.jwt.auth.principal.JWTParser;
import jakarta.inject.Inject;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

import static io.microsettle.security.CallerKeyRotationTest.afterReprieve;
import static io.microsettle.security.CallerKeyRotationTest.publish;
import static io.microsettle.security.CallerKeyRotationTest.status;
import static io.microsettle.testsupport.Problems.refusedWithoutWrites;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The verified-token cache in the running service: Quarkus authenticates bearer tokens with {@link CachingJwtParser},
 * a token presented again is not verified again, a bad one is refused every time, and a cached token signed with a
 * key withdrawn from the callers' JWKS URL is refused once smallrye-jwt has read the JWKS again.
 */
@QuarkusTest
class JwtCacheThroughApiTest {
    @Inject
    JWTParser parser;
    @Inject
    DbRows db;

    CachingJwtParser caching() {
        assertThat(parser).as("the JWTParser bean Quarkus' MpJwtValidator uses").isInstanceOf(CachingJwtParser.class);
        return (CachingJwtParser) parser;
    }

    @Test
    void aTokenPresentedAgainIsNotVerifiedAgain() {
        CachingJwtParser p = caching();
        String token = Tokens.integrator("jwt-cache-" + UUID.randomUUID());
        long before = p.verifications();
        assertThat(status(token)).isEqualTo(200);
        assertThat(p.verifications()).isEqualTo(before + 1);
        for (int i = 0; i < 3; i++) assertThat(status(token)).isEqualTo(200);
        assertThat(p.verifications()).as("served from the cache").isEqualTo(before + 1);
        assertThat(given().header("Authorization", Tokens.bearer(token)).get("/v1/admin/settlement").statusCode())
                .as("the role check still runs for a cached token").isEqualTo(403);
    }

    @Test
    void aBadTokenIsRefusedEveryTime() {
        CachingJwtParser p = caching();
        String forged = ForgedTokens.sign(ForgedTokens.claims("jwt-cache-forged", c -> {}), ForgedTokens.stranger().getPrivateKey(),
                "RS256", EmbeddedPostgresResource.CALLER_KID, h -> {});
        long before = p.verifications();
        for (int i = 0; i < 3; i++) {
            refusedWithoutWrites(db, () -> given().header("Authorization", Tokens.bearer(forged)).get("/v1/cashouts"),
                    401, "invalid_token");
        }
        assertThat(p.verifications()).isEqualTo(before + 3);
    }

    @Test
    void aCachedTokenOfAWithdrawnKeyIsRefusedOnceTheJwksIsReadAgain() throws Exception {
        CachingJwtParser p = caching();
        Path file = Path.of(System.getProperty(EmbeddedPostgresResource.CALLER_JWKS_FILE_PROPERTY));
        String original = Files.readString(file);
        String byNext = ForgedTokens.sign(ForgedTokens.claims("jwt-cache-rotation-" + UUID.randomUUID(), c -> {}),
                ForgedTokens.nextKey().getPrivateKey(), "RS256", EmbeddedPostgresResource.CALLER_NEXT_KID, h -> {});
        String byUnknown = ForgedTokens.sign(ForgedTokens.claims("jwt-cache-unknown", c -> {}),
                ForgedTokens.stranger().getPrivateKey(), "RS256", "jwt-cache-unknown-kid", h -> {});
        afterReprieve();
        long before = p.verifications();
        assertThat(status(byNext)).isEqualTo(200);
        assertThat(status(byNext)).isEqualTo(200);
        assertThat(p.verifications()).as("cached").isEqualTo(before + 1);
        try {
            JsonWebKeySet withdrawn = new JsonWebKeySet(original);
            withdrawn.getJsonWebKeys().removeIf(k -> EmbeddedPostgresResource.CALLER_NEXT_KID.equals(k.getKeyId()));
            publish(file, withdrawn.toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY));
            afterReprieve();
            assertThat(status(byUnknown)).as("an unknown kid: refused, and the JWKS read again").isEqualTo(401);
            afterReprieve();
            refusedWithoutWrites(db, () -> given().header("Authorization", Tokens.bearer(byNext)).get("/v1/cashouts"),
                    401, "invalid_token");
        } finally {
            publish(file, original);
            afterReprieve();
            status(byNext); // caller-2's kid is unknown to the key set read last: a forced re-read of the restored JWKS
        }
        assertThat(status(byNext)).as("caller-2 published again").isEqualTo(200);
    }
}
