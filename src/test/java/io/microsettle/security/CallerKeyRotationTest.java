package io.microsettle.security;

import io.microsettle.testsupport.DbRows;
import io.microsettle.testsupport.EmbeddedPostgresResource;
import io.microsettle.testsupport.ForgedTokens;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jwk.RsaJwkGenerator;
import org.jose4j.jwt.JwtClaims;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;

import static io.microsettle.testsupport.Problems.refusedWithoutWrites;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A rotation of the callers' signing key at the JWKS URL (mp.jwt.verify.publickey.location, served
 * on loopback by the test resource from a file) picked up by smallrye-jwt without a restart, with
 * real RSA keys: a key newly published there is accepted at once (its unknown kid forces a re-read,
 * smallrye.jwt.jwks.forced-refresh-interval, 0 minutes in the test profile), and a key withdrawn from
 * it is refused once the JWKS is read again.
 *
 * <p>jose4j's HttpsJwks does not read the URL again within 300 ms of its last read (its
 * refreshReprieveThreshold), whatever smallrye-jwt asks: the test lets that pass before each step
 * that needs a fresh read.
 */
@QuarkusTest
class CallerKeyRotationTest {
    static final String NEW_KID = "caller-3";
    /** jose4j HttpsJwks.refreshReprieveThreshold is 300 ms; a little more. */
    static final long REPRIEVE_MILLIS = 400;

    @Inject
    DbRows db;

    static int status(String token) {
        return given().header("Authorization", "Bearer " + token).get("/v1/cashouts").statusCode();
    }

    static void afterReprieve() throws InterruptedException {
        Thread.sleep(REPRIEVE_MILLIS);
    }

    /** Replaces the served file in one step, so the server never reads it half-written. */
    static void publish(Path file, String jwks) throws Exception {
        Path tmp = Files.createTempFile(file.getParent(), "caller-jwks", ".tmp");
        Files.writeString(tmp, jwks);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Test
    void aKeyPublishedAtTheUrlIsAcceptedAtOnceAndAWithdrawnKeyIsRefused() throws Exception {
        Path file = Path.of(System.getProperty(EmbeddedPostgresResource.CALLER_JWKS_FILE_PROPERTY));
        String original = Files.readString(file);
        assertThat(new JsonWebKeySet(original).findJsonWebKey(EmbeddedPostgresResource.CALLER_NEXT_KID, null, null, null))
                .as("the served JWKS starts with the next key").isNotNull();

        RsaJsonWebKey third = RsaJwkGenerator.generateJwk(2048);
        third.setKeyId(NEW_KID);
        third.setAlgorithm("RS256");
        JwtClaims claims = ForgedTokens.claims("rotation-" + UUID.randomUUID(), c -> {});
        String byCurrent = ForgedTokens.signed(claims);
        String byNext = ForgedTokens.sign(claims, ForgedTokens.nextKey().getPrivateKey(), "RS256",
                EmbeddedPostgresResource.CALLER_NEXT_KID, h -> {});
        String byThird = ForgedTokens.sign(claims, third.getPrivateKey(), "RS256", NEW_KID, h -> {});

        afterReprieve();
        refusedWithoutWrites(db, () -> given().header("Authorization", "Bearer " + byThird).get("/v1/cashouts"),
                401, "invalid_token");
        try {
            // the issuer publishes caller-3 and withdraws caller-2 in one change of its JWKS
            JsonWebKeySet rotated = new JsonWebKeySet(original);
            rotated.getJsonWebKeys().removeIf(k -> EmbeddedPostgresResource.CALLER_NEXT_KID.equals(k.getKeyId()));
            rotated.addJsonWebKey(third);
            publish(file, rotated.toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY));

            afterReprieve();
            assertThat(status(byThird)).as("caller-3 at its first use: the unknown kid forces a re-read").isEqualTo(200);
            assertThat(status(byCurrent)).as("caller-1 is still published").isEqualTo(200);
            afterReprieve();
            refusedWithoutWrites(db, () -> given().header("Authorization", "Bearer " + byNext).get("/v1/cashouts"),
                    401, "invalid_token");
        } finally {
            publish(file, original);
            // read the restored JWKS at once (caller-2's kid is unknown to the cache: a forced re-read), so the
            // suites after this one find caller-2 accepted whatever happened above
            afterReprieve();
            status(byNext);
        }
        assertThat(status(byNext)).as("caller-2 published again").isEqualTo(200);
        assertThat(status(byCurrent)).isEqualTo(200);
        afterReprieve();
        refusedWithoutWrites(db, () -> given().header("Authorization", "Bearer " + byThird).get("/v1/cashouts"),
                401, "invalid_token");
    }

    @Test
    void aJwksUrlThatFailsToReadKeepsTheKeysItHad() throws Exception {
        Path file = Path.of(System.getProperty(EmbeddedPostgresResource.CALLER_JWKS_FILE_PROPERTY));
        String original = Files.readString(file);
        RsaJsonWebKey unknown = RsaJwkGenerator.generateJwk(2048);
        JwtClaims claims = ForgedTokens.claims("outage-" + UUID.randomUUID(), c -> {});
        String byCurrent = ForgedTokens.signed(claims);
        String byNext = ForgedTokens.sign(claims, ForgedTokens.nextKey().getPrivateKey(), "RS256",
                EmbeddedPostgresResource.CALLER_NEXT_KID, h -> {});
        String byUnknown = ForgedTokens.sign(claims, unknown.getPrivateKey(), "RS256", "caller-unknown", h -> {});
        afterReprieve();
        assertThat(status(byCurrent)).isEqualTo(200);
        try {
            // the identity provider's JWKS URL answers garbage: the forced re-read that an unknown kid asks for fails
            publish(file, "{\"keys\": not json");
            afterReprieve();
            refusedWithoutWrites(db, () -> given().header("Authorization", "Bearer " + byUnknown).get("/v1/cashouts"),
                    401, "invalid_token");
            afterReprieve();
            assertThat(status(byCurrent)).as("caller-1 after the failed re-read").isEqualTo(200);
            assertThat(status(byNext)).as("caller-2 after the failed re-read").isEqualTo(200);
        } finally {
            publish(file, original);
            afterReprieve();
            status(byUnknown); // a forced re-read of the restored JWKS
        }
        afterReprieve();
        assertThat(status(byCurrent)).isEqualTo(200);
        assertThat(status(byNext)).isEqualTo(200);
    }
}
