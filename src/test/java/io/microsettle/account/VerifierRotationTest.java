package io.microsettle.account;

import io.microsettle.testsupport.Api;
import io.microsettle.testsupport.DbRows;
import io.microsettle.testsupport.EmbeddedPostgresResource;
import io.microsettle.testsupport.TestVerifier;
import io.microsettle.testsupport.Tokens;
import io.microsettle.testsupport.Wallets;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.OctetKeyPairJsonWebKey;
import org.jose4j.jwk.OkpJwkGenerator;
import org.jose4j.jwk.PublicJsonWebKey;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

import static io.microsettle.testsupport.Api.as;
import static io.microsettle.testsupport.Problems.refusedWithoutWrites;
import static org.hamcrest.Matchers.equalTo;

/**
 * A verifier rotating its Ed25519 key at its JWKS URL (a JDK HTTP server on loopback started by
 * the test resource), through the API: the new key is accepted at once, both during the overlap,
 * the old refused once withdrawn and the cache (1 s in tests) has refreshed.
 */
@QuarkusTest
class VerifierRotationTest {
    @Inject
    DbRows db;

    static Path served() {
        return Path.of(System.getProperty(EmbeddedPostgresResource.VERIFIER_URL_JWKS_FILE_PROPERTY));
    }

    static PublicJsonWebKey first() throws Exception {
        return PublicJsonWebKey.Factory.newPublicJwk(Files.readString(
                Path.of(System.getProperty(EmbeddedPostgresResource.URL_VERIFIER_JWK_PROPERTY))));
    }

    static void publish(PublicJsonWebKey... keys) throws Exception {
        Files.writeString(served(), new JsonWebKeySet(keys).toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY));
    }

    @AfterEach
    void restore() throws Exception {
        publish(first());
    }

    static String token(PublicJsonWebKey key, String ref, String wallet) {
        return TestVerifier.sign(TestVerifier.claims(ref, wallet).withKid(key.getKeyId()), key, "EdDSA");
    }

    @Test
    void ed25519KeyRotationAtAJwksUrl() throws Exception {
        String t = Tokens.integrator("rotation-" + UUID.randomUUID());
        PublicJsonWebKey old = first();
        OctetKeyPairJsonWebKey next = OkpJwkGenerator.generateJwk(OctetKeyPairJsonWebKey.SUBTYPE_ED25519);
        next.setKeyId("url-ed-2");

        // the old key, served at the URL, verifies an EdDSA token
        String ref1 = "u-" + UUID.randomUUID();
        String a1 = Api.createAccount(t, ref1);
        String w1 = Wallets.address(Wallets.newKey());
        as(t).body(Map.of("token", token(old, ref1, w1))).post("/v1/accounts/" + a1 + "/verification").then().statusCode(200)
                .body("wallet", equalTo(w1));

        // before it is published, the next key is unknown
        String ref2 = "u-" + UUID.randomUUID();
        String a2 = Api.createAccount(t, ref2);
        String w2 = Wallets.address(Wallets.newKey());
        refusedWithoutWrites(db, () -> as(t).body(Map.of("token", token(next, ref2, w2))).post("/v1/accounts/" + a2 + "/verification"),
                422, "unknown_verifier_key");

        // overlap: both published, both accepted (the unknown kid re-reads the URL at once)
        publish(old, next);
        as(t).body(Map.of("token", token(next, ref2, w2))).post("/v1/accounts/" + a2 + "/verification").then().statusCode(200);
        String ref3 = "u-" + UUID.randomUUID();
        String a3 = Api.createAccount(t, ref3);
        String w3 = Wallets.address(Wallets.newKey());
        as(t).body(Map.of("token", token(old, ref3, w3))).post("/v1/accounts/" + a3 + "/verification").then().statusCode(200);

        // the old key withdrawn: refused once the cache has refreshed
        publish(next);
        Thread.sleep(1_100);
        String ref4 = "u-" + UUID.randomUUID();
        String a4 = Api.createAccount(t, ref4);
        String w4 = Wallets.address(Wallets.newKey());
        refusedWithoutWrites(db, () -> as(t).body(Map.of("token", token(old, ref4, w4))).post("/v1/accounts/" + a4 + "/verification"),
                422, "unknown_verifier_key");
        as(t).body(Map.of("token", token(next, ref4, w4))).post("/v1/accounts/" + a4 + "/verification").then().statusCode(200)
                .body("verificationLevel", equalTo("FULL"));
    }
}
