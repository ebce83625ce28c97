package io.microsettle.account;

import io.microsettle.testsupport.Api;
import io.microsettle.testsupport.DbRows;
import io.microsettle.testsupport.TestVerifier;
import io.microsettle.testsupport.Tokens;
import io.microsettle.testsupport.Wallets;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.jose4j.jwk.EcJwkGenerator;
import org.jose4j.keys.EllipticCurves;
import org.junit.jupiter.api.Test;

import java.util.Base64;
import java.util.Map;
import java.util.UUID;

import static io.microsettle.testsupport.Api.as;
import static io.microsettle.testsupport.Problems.refusedWithoutWrites;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

@QuarkusTest
class AccountRefusalsTest {
    @Inject
    DbRows db;

    @Test
    void badBodies() {
        String t = Tokens.integrator("acme");
        refusedWithoutWrites(db, () -> as(t).body("{\"externalRef\":").post("/v1/accounts"), 400, "malformed_json");
        refusedWithoutWrites(db, () -> as(t).body("not json").post("/v1/accounts"), 400, "malformed_json");
        String d = refusedWithoutWrites(db, () -> as(t).body("{}").post("/v1/accounts"), 400, "validation_failed");
        assertThat(d).contains("externalRef");
        refusedWithoutWrites(db, () -> as(t).body("{\"externalRef\":\"   \"}").post("/v1/accounts"), 400, "validation_failed");
        refusedWithoutWrites(db, () -> as(t).body("{\"externalRef\":\"" + "x".repeat(129) + "\"}").post("/v1/accounts"),
                400, "validation_failed");
        refusedWithoutWrites(db, () -> as(t).body("{\"externalRef\":{\"a\":1}}").post("/v1/accounts"), 400, "validation_failed");
        refusedWithoutWrites(db, () -> as(t).body("null").post("/v1/accounts"), 400, "validation_failed");
    }

    @Test
    void duplicateExternalRefIs409NamingTheAccount() {
        String t = Tokens.integrator("dup-" + UUID.randomUUID());
        String id = Api.createAccount(t, "same");
        String d = refusedWithoutWrites(db, () -> as(t).body(Map.of("externalRef", "same")).post("/v1/accounts"),
                409, "account_exists");
        assertThat(d).contains(id);
        // another integrator may use the same externalRef
        Api.createAccount(Tokens.integrator("dup2-" + UUID.randomUUID()), "same");
    }

    @Test
    void unknownAccountIsNotFound() {
        refusedWithoutWrites(db, () -> as(Tokens.integrator("acme")).get("/v1/accounts/acct_unknown"), 404, "not_found");
    }

    @Test
    void verificationRefusalsHaveDistinctCodesAndBindNothing() throws Exception {
        String t = Tokens.integrator("kyc-" + UUID.randomUUID());
        String ref = "user-" + UUID.randomUUID();
        String id = Api.createAccount(t, ref);
        String wallet = Wallets.address(Wallets.newKey());
        String path = "/v1/accounts/" + id + "/verification";
        TestVerifier.Claims good = TestVerifier.claims(ref, wallet);

        refusedWithoutWrites(db, () -> as(t).body(Map.of("token", TestVerifier.sign(good.withExpOffset(-300))))
                .post(path), 422, "verification_expired");
        refusedWithoutWrites(db, () -> as(t).body(Map.of("token", TestVerifier.sign(good.withKid("rotated-away"))))
                .post(path), 422, "unknown_verifier_key");
        refusedWithoutWrites(db, () -> as(t).body(Map.of("token", TestVerifier.sign(good.withIssuer("https://evil.example"))))
                .post(path), 422, "untrusted_issuer");
        refusedWithoutWrites(db, () -> as(t).body(Map.of("token", TestVerifier.sign(good.withSubject("someone-else"))))
                .post(path), 422, "subject_mismatch");
        var stranger = EcJwkGenerator.generateJwk(EllipticCurves.P256);
        refusedWithoutWrites(db, () -> as(t).body(Map.of("token", TestVerifier.sign(good, stranger))).post(path),
                422, "bad_signature");
        String[] parts = TestVerifier.sign(good).split("\\.");
        String payload = new String(Base64.getUrlDecoder().decode(parts[1])).replace("FULL", "BASIC");
        String tampered = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(payload.getBytes()) + "." + parts[2];
        refusedWithoutWrites(db, () -> as(t).body(Map.of("token", tampered)).post(path), 422, "bad_signature");
        refusedWithoutWrites(db, () -> as(t).body(Map.of("token", "garbage")).post(path), 400, "malformed_token");
        refusedWithoutWrites(db, () -> as(t).body(Map.of("token", TestVerifier.sign(good.withLevel("PLATINUM"))))
                .post(path), 422, "invalid_claims");
        String badChecksum = wallet.substring(0, 2) + swapCase(wallet.substring(2));
        if (!badChecksum.substring(2).equals(badChecksum.substring(2).toLowerCase())
                && !badChecksum.substring(2).equals(badChecksum.substring(2).toUpperCase())) {
            refusedWithoutWrites(db, () -> as(t).body(Map.of("token", TestVerifier.sign(TestVerifier.claims(ref, badChecksum))))
                    .post(path), 400, "invalid_address");
        }
        as(t).get("/v1/accounts/" + id).then().statusCode(200).body("verificationLevel", equalTo("NONE"));

        // and the good token binds
        as(t).body(Map.of("token", TestVerifier.sign(good.withLevel("BASIC")))).post(path)
                .then().statusCode(200).body("verificationLevel", equalTo("BASIC")).body("wallet", equalTo(wallet));
    }

    static String swapCase(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) b.append(Character.isUpperCase(c) ? Character.toLowerCase(c) : Character.toUpperCase(c));
        return b.toString();
    }
}
