package io.microsettle.security;

import com.fasterxml.jackson.databind.JsonNode;
import io.microsettle.testsupport.Api;
import io.microsettle.testsupport.DbRows;
import io.microsettle.testsupport.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.microsettle.testsupport.Api.as;
import static io.microsettle.testsupport.Problems.refusedWithoutWrites;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

@QuarkusTest
class AuthRefusalsTest {
    @Inject
    DbRows db;

    static String signed(String issuer, long expOffsetSeconds) throws Exception {
        JwtClaims c = new JwtClaims();
        c.setIssuer(issuer);
        c.setAudience(JwtMinter.AUDIENCE);
        c.setSubject("acme");
        c.setStringListClaim("groups", List.of("integrator"));
        c.setIssuedAt(NumericDate.fromSeconds(System.currentTimeMillis() / 1000 - 3600));
        c.setExpirationTime(NumericDate.fromSeconds(System.currentTimeMillis() / 1000 + expOffsetSeconds));
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(c.toJson());
        jws.setKey(DevKeys.privateKey(Path.of(System.getProperty("microsettle.test.keys-dir"))));
        jws.setAlgorithmHeaderValue("RS256");
        jws.setKeyIdHeaderValue(io.microsettle.testsupport.EmbeddedPostgresResource.CALLER_KID);
        return jws.getCompactSerialization();
    }

    @Test
    void missingOrBadTokensAre401() throws Exception {
        Map<String, String> body = Map.of("externalRef", "x-" + UUID.randomUUID());
        refusedWithoutWrites(db, () -> given().contentType(ContentType.JSON).body(body).post("/v1/accounts"), 401, "unauthenticated");
        refusedWithoutWrites(db, () -> given().header("Authorization", "Bearer not-a-jwt").contentType(ContentType.JSON)
                .body(body).post("/v1/accounts"), 401, "invalid_token");
        String expired = signed("microsettle-dev", -120);
        assertThat(refusedWithoutWrites(db, () -> as(expired).body(body).post("/v1/accounts"), 401, "token_expired"))
                .contains("expired");
        String wrongIssuer = signed("someone-else", 600);
        assertThat(refusedWithoutWrites(db, () -> as(wrongIssuer).body(body).post("/v1/accounts"), 401, "invalid_token"))
                .contains("issuer");
        String valid = Tokens.integrator("acme");
        String[] p = valid.split("\\.");
        String tampered = p[0] + "." + p[1].substring(0, p[1].length() - 2) + "AA." + p[2];
        refusedWithoutWrites(db, () -> as(tampered).body(body).post("/v1/accounts"), 401, "invalid_token");
        refusedWithoutWrites(db, () -> given().get("/v1/audit/verify"), 401, "unauthenticated");
    }

    @Test
    void wrongRolesAre403() {
        Map<String, String> body = Map.of("externalRef", "x-" + UUID.randomUUID());
        refusedWithoutWrites(db, () -> as(Tokens.auditor("carol")).body(body).post("/v1/accounts"), 403, "forbidden");
        refusedWithoutWrites(db, () -> as(Tokens.of("ops", "operator")).body(body).post("/v1/accounts"), 403, "forbidden");
        refusedWithoutWrites(db, () -> as(Tokens.integrator("acme")).get("/v1/audit/verify"), 403, "forbidden");
        refusedWithoutWrites(db, () -> as(Tokens.integrator("acme")).get("/v1/audit/events"), 403, "forbidden");
        refusedWithoutWrites(db, () -> as(Tokens.of("ops", "operator")).get("/v1/audit/events"), 403, "forbidden");
    }

    @Test
    void anotherIntegratorsIdsAreNotFound() {
        String owner = "owner-" + UUID.randomUUID();
        String ownerToken = Tokens.integrator(owner);
        Api.FundedAccount a = Api.fundedAccount(owner, 5_000_000);
        JsonNode q = Api.quote(ownerToken, a.id(), 1_000_000);
        String cashoutId = as(ownerToken).body(Map.of("quoteId", q.get("id").asText(), "signature", Api.sign(q, a.wallet())))
                .post("/v1/cashouts").then().statusCode(201).extract().path("id");
        JsonNode q2 = Api.quote(ownerToken, a.id(), 1_000_000);

        String intruder = Tokens.integrator("intruder-" + UUID.randomUUID());
        refusedWithoutWrites(db, () -> as(intruder).get("/v1/accounts/" + a.id()), 404, "not_found");
        refusedWithoutWrites(db, () -> as(intruder).get("/v1/accounts/acct_doesnotexist"), 404, "not_found");
        refusedWithoutWrites(db, () -> as(intruder).get("/v1/cashouts/" + cashoutId), 404, "not_found");
        refusedWithoutWrites(db, () -> as(intruder).body(Map.of("token", "a.b.c"))
                .post("/v1/accounts/" + a.id() + "/verification"), 404, "not_found");
        refusedWithoutWrites(db, () -> as(intruder).body(Map.of("items", List.of(Map.of("accountId", a.id(), "amount", "5",
                "reference", "steal")))).post("/v1/credits"), 404, "not_found");
        refusedWithoutWrites(db, () -> as(intruder).body(Map.of("accountId", a.id(), "amount", "1000000"))
                .post("/v1/quotes"), 404, "not_found");
        refusedWithoutWrites(db, () -> as(intruder).body(Map.of("quoteId", q2.get("id").asText(),
                "signature", Api.sign(q2, a.wallet()))).post("/v1/cashouts"), 404, "not_found");
        assertThat(as(intruder).queryParam("accountId", a.id()).get("/v1/cashouts").jsonPath().getList("data")).isEmpty();
    }

    @Test
    void unknownRoutesAndMethods() {
        refusedWithoutWrites(db, () -> as(Tokens.integrator("acme")).get("/v1/nope"), 404, "not_found");
        refusedWithoutWrites(db, () -> given().get("/nope"), 404, "not_found");
        refusedWithoutWrites(db, () -> as(Tokens.integrator("acme")).delete("/v1/accounts"), 405, "method_not_allowed");
        refusedWithoutWrites(db, () -> as(Tokens.integrator("acme")).put("/v1/credits"), 405, "method_not_allowed");
        refusedWithoutWrites(db, () -> given().header("Authorization", Tokens.bearer(Tokens.integrator("acme")))
                .contentType("text/plain").body("externalRef=x").post("/v1/accounts"), 415, "unsupported_media_type");
    }
}
