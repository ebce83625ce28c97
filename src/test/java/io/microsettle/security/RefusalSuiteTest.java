package io.microsettle.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.microsettle.testsupport.Api;
import io.microsettle.testsupport.DbRows;
import io.microsettle.testsupport.EmbeddedPostgresResource;
import io.microsettle.testsupport.ForgedTokens;
import io.microsettle.testsupport.TestVerifier;
import io.microsettle.testsupport.Tokens;
import io.microsettle.testsupport.Wallets;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import org.jose4j.jwk.OctetKeyPairJsonWebKey;
import org.jose4j.jwk.OkpJwkGenerator;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Sign;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static io.microsettle.testsupport.Problems.refusedWithoutWrites;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The table-driven refusal suite: every endpoint, bad tokens, wrong roles, other tenants' ids,
 * malformed bodies, server-owned fields, bad amounts, bad addresses, bad signatures, replays,
 * unknown routes and methods. Each case asserts the status, the problem {@code code}, and that no
 * row of any table changed.
 */
@QuarkusTest
class RefusalSuiteTest {
    @Inject
    DbRows db;

    record Case(String name, Supplier<Response> request, int status, String code) {}

    /** An endpoint called with a request specification that already carries the caller's headers. */
    record Endpoint(String name, boolean integratorOnly, Function<RequestSpecification, Response> call) {}

    /** The data the cases refer to, made once through the API. */
    record Fixture(String owner, String ownerToken, Api.FundedAccount account, JsonNode quote, JsonNode usedQuote,
                   JsonNode expiredQuote, String cashoutId, String unverifiedId, String intruderToken, String webhookId) {}

    Fixture fixture() throws Exception {
        String owner = "suite-" + UUID.randomUUID();
        String t = Tokens.integrator(owner);
        Api.FundedAccount a = Api.fundedAccount(owner, 50_000_000);
        JsonNode used = Api.quote(t, a.id(), 1_000_000);
        String cashoutId = Api.as(t).body(Map.of("quoteId", used.get("id").asText(), "signature", Api.sign(used, a.wallet())))
                .post("/v1/cashouts").then().statusCode(201).extract().path("id");
        JsonNode expired = Api.quote(t, a.id(), 1_000_000);
        db.execute("UPDATE quotes SET expires_at = now() - interval '1 second' WHERE id = '" + expired.get("id").asText() + "'");
        JsonNode quote = Api.quote(t, a.id(), 2_000_000);
        String unverified = Api.createAccount(t, "plain-" + UUID.randomUUID());
        Api.credit(t, unverified, 5_000_000, "uv-" + UUID.randomUUID());
        // an Idempotency-Key used once, for the reuse case
        Api.as(t).header("Idempotency-Key", "suite-key").body(Map.of("externalRef", "idem-" + owner)).post("/v1/accounts")
                .then().statusCode(201);
        // a webhook endpoint, made last: no event of the owner follows it, so nothing is ever sent to it
        String webhookId = Api.createWebhook(t, "http://127.0.0.1:9/refusal-suite", List.of("cashout.queued", "escrow.low"))
                .get("id").asText();
        return new Fixture(owner, t, a, quote, used, expired, cashoutId, unverified,
                Tokens.integrator("intruder-" + UUID.randomUUID()), webhookId);
    }

    static RequestSpecification auth(String header) {
        RequestSpecification s = given().contentType("application/json");
        return header == null ? s : s.header("Authorization", header);
    }

    static RequestSpecification bearer(String token) {
        return auth("Bearer " + token);
    }

    static List<Endpoint> endpoints(Fixture f) {
        String acct = f.account().id();
        return List.of(
                new Endpoint("POST /v1/accounts", true, s -> s.body(Map.of("externalRef", "e-" + UUID.randomUUID())).post("/v1/accounts")),
                new Endpoint("GET /v1/accounts/{id}", true, s -> s.get("/v1/accounts/" + acct)),
                new Endpoint("POST /v1/accounts/{id}/verification", true, s -> s.body(Map.of("token",
                        TestVerifier.token(f.account().externalRef(), f.account().walletAddress()))).post("/v1/accounts/" + acct + "/verification")),
                new Endpoint("POST /v1/credits", true, s -> s.body(Map.of("items", List.of(Map.of("accountId", acct, "amount", "5",
                        "reference", "r-" + UUID.randomUUID())))).post("/v1/credits")),
                new Endpoint("POST /v1/quotes", true, s -> s.body(Map.of("accountId", acct, "amount", "1000000")).post("/v1/quotes")),
                new Endpoint("POST /v1/cashouts", true, s -> s.body(Map.of("quoteId", f.quote().get("id").asText(),
                        "signature", Api.sign(f.quote(), f.account().wallet()))).post("/v1/cashouts")),
                new Endpoint("GET /v1/cashouts/{id}", true, s -> s.get("/v1/cashouts/" + f.cashoutId())),
                new Endpoint("GET /v1/cashouts", true, s -> s.get("/v1/cashouts")),
                new Endpoint("POST /v1/webhooks", true, s -> s.body(Map.of("url", "https://hooks.example.com/" + UUID.randomUUID(),
                        "events", List.of("cashout.settled"))).post("/v1/webhooks")),
                new Endpoint("GET /v1/webhooks", true, s -> s.get("/v1/webhooks")),
                new Endpoint("GET /v1/webhooks/{id}", true, s -> s.get("/v1/webhooks/" + f.webhookId())),
                new Endpoint("DELETE /v1/webhooks/{id}", true, s -> s.delete("/v1/webhooks/" + f.webhookId())),
                new Endpoint("POST /v1/webhooks/{id}/rotate-secret", true, s -> s.body(Map.of("expiresInSeconds", 60))
                        .post("/v1/webhooks/" + f.webhookId() + "/rotate-secret")),
                new Endpoint("GET /v1/webhooks/{id}/deliveries", true, s -> s.get("/v1/webhooks/" + f.webhookId() + "/deliveries")),
                new Endpoint("GET /v1/audit/events", false, s -> s.get("/v1/audit/events")),
                new Endpoint("GET /v1/audit/verify", false, s -> s.get("/v1/audit/verify")));
    }

    /** Bad bearer tokens: (name, Authorization header or null, expected code). */
    static List<String[]> badTokens(Fixture f) {
        String sub = f.owner();
        String good = f.ownerToken();
        JwtClaims base = ForgedTokens.claims(sub, c -> {});
        JwtClaims admin = ForgedTokens.claims(sub, c -> c.setStringListClaim("groups", List.of("integrator", "admin", "auditor")));
        List<String[]> out = new ArrayList<>();
        out.add(new String[]{"no Authorization header", null, "unauthenticated"});
        out.add(new String[]{"Basic scheme", "Basic " + Base64.getEncoder().encodeToString("acme:secret".getBytes()), "unauthenticated"});
        out.add(new String[]{"not a JWT", "Bearer not-a-jwt", "invalid_token"});
        out.add(new String[]{"two segments", "Bearer " + good.substring(0, good.lastIndexOf('.')), "invalid_token"});
        out.add(new String[]{"expired", "Bearer " + ForgedTokens.signed(ForgedTokens.claims(sub, c -> {
            c.setIssuedAt(NumericDate.fromSeconds(ForgedTokens.now() - 900));
            c.setExpirationTime(NumericDate.fromSeconds(ForgedTokens.now() - 120));
        })), "token_expired"});
        out.add(new String[]{"older than the maximum token age", "Bearer " + ForgedTokens.signed(ForgedTokens.claims(sub, c ->
                c.setIssuedAt(NumericDate.fromSeconds(ForgedTokens.now() - 26 * 3600)))), "token_expired"});
        out.add(new String[]{"wrong issuer", "Bearer " + ForgedTokens.signed(ForgedTokens.claims(sub, c -> c.setIssuer("someone-else"))), "invalid_token"});
        out.add(new String[]{"no issuer", "Bearer " + ForgedTokens.signed(ForgedTokens.claims(sub, c -> c.unsetClaim("iss"))), "invalid_token"});
        out.add(new String[]{"wrong audience", "Bearer " + ForgedTokens.signed(ForgedTokens.claims(sub, c -> c.setAudience("other-service"))), "invalid_token"});
        out.add(new String[]{"no audience", "Bearer " + ForgedTokens.signed(ForgedTokens.claims(sub, c -> c.unsetClaim("aud"))), "invalid_token"});
        out.add(new String[]{"no exp", "Bearer " + ForgedTokens.signed(ForgedTokens.claims(sub, c -> c.unsetClaim("exp"))), "invalid_token"});
        for (String none : List.of("none", "None", "NONE", "nOnE")) {
            out.add(new String[]{"alg " + none, "Bearer " + ForgedTokens.unsigned(none, base), "invalid_token"});
        }
        out.add(new String[]{"HS256 keyed with the public key (DER)", "Bearer " + ForgedTokens.hmacWithPublicKey(base, false), "invalid_token"});
        out.add(new String[]{"HS256 keyed with the public key (PEM)", "Bearer " + ForgedTokens.hmacWithPublicKey(base, true), "invalid_token"});
        out.add(new String[]{"own jwk header, known kid", "Bearer " + ForgedTokens.embeddedJwk(base, EmbeddedPostgresResource.CALLER_KID), "invalid_token"});
        out.add(new String[]{"own jwk header, its own kid", "Bearer " + ForgedTokens.embeddedJwk(base, "attacker"), "invalid_token"});
        out.add(new String[]{"jku header", "Bearer " + ForgedTokens.jku(base), "invalid_token"});
        out.add(new String[]{"unknown kid", "Bearer " + ForgedTokens.sign(base, ForgedTokens.devKey(), "RS256", "caller-9", h -> {}), "invalid_token"});
        out.add(new String[]{"kid with a path", "Bearer " + ForgedTokens.sign(base, ForgedTokens.devKey(), "RS256",
                "../../../../etc/passwd", h -> {}), "invalid_token"});
        out.add(new String[]{"kid with SQL", "Bearer " + ForgedTokens.sign(base, ForgedTokens.devKey(), "RS256",
                "caller-1' OR '1'='1", h -> {}), "invalid_token"});
        out.add(new String[]{"crit header naming an unknown extension", "Bearer " + ForgedTokens.sign(base, ForgedTokens.devKey(), "RS256",
                EmbeddedPostgresResource.CALLER_KID, h -> h.setCriticalHeaderNames("x-unknown")), "invalid_token"});
        out.add(new String[]{"another key under a known kid", "Bearer " + ForgedTokens.sign(base, ForgedTokens.stranger().getPrivateKey(),
                "RS256", EmbeddedPostgresResource.CALLER_KID, h -> {}), "invalid_token"});
        out.add(new String[]{"ES256 (algorithm not pinned)", "Bearer " + ForgedTokens.sign(base, ForgedTokens.ecStranger().getPrivateKey(),
                "ES256", EmbeddedPostgresResource.CALLER_KID, h -> {}), "invalid_token"});
        out.add(new String[]{"PS256 with the right key (algorithm not pinned)", "Bearer " + ForgedTokens.sign(base, ForgedTokens.devKey(),
                "PS256", EmbeddedPostgresResource.CALLER_KID, h -> {}), "invalid_token"});
        out.add(new String[]{"tampered payload (roles raised)", "Bearer " + ForgedTokens.withPayload(good, admin), "invalid_token"});
        out.add(new String[]{"signature stripped", "Bearer " + good.substring(0, good.lastIndexOf('.') + 1), "invalid_token"});
        return out;
    }

    @TestFactory
    Stream<DynamicTest> everyRefusal() throws Exception {
        Fixture f = fixture();
        List<Case> cases = new ArrayList<>();
        List<Endpoint> endpoints = endpoints(f);

        // 1. bad tokens on every endpoint
        List<String[]> tokens = badTokens(f);
        for (Endpoint e : endpoints) {
            for (String[] t : tokens) {
                cases.add(new Case(e.name() + " with " + t[0], () -> e.call().apply(auth(t[1])), 401, t[2]));
            }
        }

        // 1b. every other /v1 operation the OpenAPI document lists (endpoints added later are covered too)
        Map<String, Map<String, Object>> paths = given().queryParam("format", "json").get("/q/openapi").then().statusCode(200)
                .extract().jsonPath().getMap("paths");
        java.util.Set<String> listed = new java.util.HashSet<>();
        endpoints.forEach(e -> listed.add(e.name()));
        java.util.Set<String> documented = new java.util.TreeSet<>();
        for (var p : paths.entrySet()) {
            if (!p.getKey().startsWith("/v1/")) continue;
            for (String method : p.getValue().keySet()) {
                if (!List.of("get", "post", "put", "delete", "patch").contains(method)) continue;
                String name = method.toUpperCase(java.util.Locale.ROOT) + " " + p.getKey();
                documented.add(name);
                if (listed.contains(name)) continue;
                String concrete = p.getKey().replaceAll("\\{[^}]+}", "unknown_1");
                for (String[] t : tokens) {
                    cases.add(new Case(name + " (from OpenAPI) with " + t[0],
                            () -> auth(t[1]).body("{}").request(method.toUpperCase(java.util.Locale.ROOT), concrete), 401, t[2]));
                }
                // no /v1 operation is open to a valid token without a role
                String roleless = ForgedTokens.signed(ForgedTokens.claims(f.owner(), c -> c.setStringListClaim("groups", List.of())));
                cases.add(new Case(name + " (from OpenAPI) without a role",
                        () -> bearer(roleless).body("{}").request(method.toUpperCase(java.util.Locale.ROOT), concrete), 403, "forbidden"));
            }
        }
        assertThat(documented).as("every endpoint of the table is documented").containsAll(listed);

        // 2. wrong roles
        for (Endpoint e : endpoints) {
            // operators and admins have webhook endpoints of their own (the settlement events): only other roles are refused
            List<String[]> roles = e.name().contains("/v1/webhooks")
                    ? List.of(new String[]{"auditor"}, new String[]{}, new String[]{"root"})
                    : e.integratorOnly()
                    ? List.of(new String[]{"auditor"}, new String[]{"operator"}, new String[]{"admin"}, new String[]{}, new String[]{"root"})
                    : List.of(new String[]{"integrator"}, new String[]{"operator"}, new String[]{}, new String[]{"Auditor"});
            for (String[] r : roles) {
                String tok = ForgedTokens.signed(ForgedTokens.claims(f.owner(), c -> c.setStringListClaim("groups", List.of(r))));
                cases.add(new Case(e.name() + " as " + String.join(",", r), () -> e.call().apply(bearer(tok)), 403, "forbidden"));
            }
        }

        // an integrator's webhook endpoint is not the operators': 404 like an unknown id
        for (String role : List.of("operator", "admin")) {
            String tok = ForgedTokens.signed(ForgedTokens.claims("ops-" + role, c -> c.setStringListClaim("groups", List.of(role))));
            cases.add(new Case(role + " GET an integrator's webhook", () -> bearer(tok).get("/v1/webhooks/" + f.webhookId()), 404, "not_found"));
            cases.add(new Case(role + " DELETE an integrator's webhook", () -> bearer(tok).delete("/v1/webhooks/" + f.webhookId()), 404,
                    "not_found"));
        }

        // 3. another integrator's ids answer exactly like unknown ids
        String in = f.intruderToken();
        String acct = f.account().id();
        String quoteId = f.quote().get("id").asText();
        String goodSig = Api.sign(f.quote(), f.account().wallet());
        for (String id : List.of(acct, "acct_unknown")) {
            cases.add(new Case("intruder GET account " + id, () -> bearer(in).get("/v1/accounts/" + id), 404, "not_found"));
            cases.add(new Case("intruder verifies account " + id, () -> bearer(in).body(Map.of("token",
                    TestVerifier.token(f.account().externalRef(), f.account().walletAddress()))).post("/v1/accounts/" + id + "/verification"), 404, "not_found"));
            cases.add(new Case("intruder credits account " + id, () -> bearer(in).body(Map.of("items", List.of(Map.of("accountId", id,
                    "amount", "5", "reference", "steal")))).post("/v1/credits"), 404, "not_found"));
            cases.add(new Case("intruder quotes account " + id, () -> bearer(in).body(Map.of("accountId", id, "amount", "1000000"))
                    .post("/v1/quotes"), 404, "not_found"));
        }
        for (String id : List.of(quoteId, "quote_unknown")) {
            cases.add(new Case("intruder cashes out quote " + id, () -> bearer(in).body(Map.of("quoteId", id, "signature", goodSig))
                    .post("/v1/cashouts"), 404, "not_found"));
        }
        for (String id : List.of(f.cashoutId(), "co_unknown")) {
            cases.add(new Case("intruder GET cash-out " + id, () -> bearer(in).get("/v1/cashouts/" + id), 404, "not_found"));
        }
        for (String id : List.of(f.webhookId(), "we_unknown", "we_" + f.webhookId().substring(3).toLowerCase())) {
            cases.add(new Case("intruder GET webhook " + id, () -> bearer(in).get("/v1/webhooks/" + id), 404, "not_found"));
            cases.add(new Case("intruder DELETE webhook " + id, () -> bearer(in).delete("/v1/webhooks/" + id), 404, "not_found"));
            cases.add(new Case("intruder rotates the secret of webhook " + id, () -> bearer(in).body(Map.of("expiresInSeconds", 0))
                    .post("/v1/webhooks/" + id + "/rotate-secret"), 404, "not_found"));
            cases.add(new Case("intruder rotates the secret of webhook " + id + " without a body", () -> bearer(in)
                    .post("/v1/webhooks/" + id + "/rotate-secret"), 404, "not_found"));
            cases.add(new Case("intruder lists the deliveries of webhook " + id, () -> bearer(in)
                    .get("/v1/webhooks/" + id + "/deliveries"), 404, "not_found"));
        }

        // 4. malformed bodies, media types and server-owned fields on every POST
        String ot = f.ownerToken();
        Map<String, String> posts = new TreeMap<>(Map.of(
                "/v1/accounts", "{\"externalRef\":\"x-" + UUID.randomUUID() + "\"}",
                "/v1/accounts/" + acct + "/verification", "{\"token\":\"" + TestVerifier.token(f.account().externalRef(), f.account().walletAddress()) + "\"}",
                "/v1/credits", "{\"items\":[{\"accountId\":\"" + acct + "\",\"amount\":\"5\",\"reference\":\"r-" + UUID.randomUUID() + "\"}]}",
                "/v1/quotes", "{\"accountId\":\"" + acct + "\",\"amount\":\"1000000\"}",
                "/v1/cashouts", "{\"quoteId\":\"" + quoteId + "\",\"signature\":\"" + goodSig + "\"}",
                "/v1/webhooks", "{\"url\":\"https://hooks.example.com/x\",\"events\":[\"cashout.queued\"]}"));
        for (var p : posts.entrySet()) {
            String path = p.getKey();
            String good = p.getValue();
            for (String bad : List.of("{", "not json", "{\"a\":}", "{'single':'quotes'}", good.substring(0, good.length() - 1))) {
                cases.add(new Case("POST " + path + " unreadable " + bad.substring(0, Math.min(bad.length(), 12)),
                        () -> bearer(ot).body(bad).post(path), 400, "malformed_json"));
            }
            for (String bad : List.of("null", "[]", "\"text\"", "42", "{}")) {
                cases.add(new Case("POST " + path + " body " + bad, () -> bearer(ot).body(bad).post(path), 400, "validation_failed"));
            }
            cases.add(new Case("POST " + path + " empty body", () -> bearer(ot).post(path), 400, "validation_failed"));
            for (String field : List.of("id", "status", "fee", "net", "wallet", "verificationLevel", "integratorId")) {
                String withField = "{\"" + field + "\":\"x\"," + good.substring(1);
                cases.add(new Case("POST " + path + " with server-owned " + field, () -> bearer(ot).body(withField).post(path),
                        400, "unknown_field"));
            }
            for (String type : List.of("text/plain", "application/xml", "application/x-www-form-urlencoded")) {
                cases.add(new Case("POST " + path + " as " + type, () -> given().header("Authorization", "Bearer " + ot)
                        .contentType(type).body(good).post(path), 415, "unsupported_media_type"));
            }
        }

        String rotate = "/v1/webhooks/" + f.webhookId() + "/rotate-secret";
        for (String[] b : List.of(new String[] {"{", "malformed_json"}, new String[] {"[]", "validation_failed"},
                new String[] {"{\"expiresInSeconds\":-1}", "validation_failed"}, new String[] {"{\"expiresInSeconds\":604801}", "validation_failed"},
                new String[] {"{\"expiresInSeconds\":\"soon\"}", "validation_failed"}, new String[] {"{\"secret\":\"whsec_x\"}", "unknown_field"},
                new String[] {"{\"id\":\"we_x\",\"expiresInSeconds\":5}", "unknown_field"})) {
            cases.add(new Case("POST rotate-secret body " + b[0], () -> bearer(ot).body(b[0]).post(rotate), 400, b[1]));
        }
        cases.add(new Case("POST rotate-secret as text/plain", () -> given().header("Authorization", "Bearer " + ot)
                .contentType("text/plain").body("{}").post(rotate), 415, "unsupported_media_type"));
        for (String[] w : List.of(new String[] {"{\"url\":\"ftp://hooks.example.com/x\",\"events\":[\"cashout.queued\"]}", "url"},
                new String[] {"{\"url\":\"https://a:b@hooks.example.com/x\",\"events\":[\"cashout.queued\"]}", "url"},
                new String[] {"{\"url\":\"https://hooks.example.com/x#f\",\"events\":[\"cashout.queued\"]}", "url"},
                new String[] {"{\"url\":\"hooks.example.com/x\",\"events\":[\"cashout.queued\"]}", "url"},
                new String[] {"{\"url\":\"https://hooks.example.com/x\",\"events\":[\"cashout.queued\",\"cashout.nope\"]}", "events[1]"},
                new String[] {"{\"url\":\"https://hooks.example.com/x\",\"events\":[\"cashout.queued\",\"cashout.queued\"]}", "events[1]"},
                new String[] {"{\"url\":\"https://hooks.example.com/x\",\"events\":[]}", "events"},
                new String[] {"{\"url\":\"https://hooks.example.com/x\",\"events\":{}}", "events"},
                new String[] {"{\"url\":\"https://hooks.example.com/x\",\"events\":[\"escrow.low\"],\"description\":\"" + "d".repeat(201) + "\"}",
                        "description"})) {
            cases.add(new Case("POST /v1/webhooks refusing " + w[1] + ": " + w[0].substring(0, Math.min(60, w[0].length())),
                    () -> bearer(ot).body(w[0]).post("/v1/webhooks"), 400, "validation_failed"));
        }

        // 5. amounts
        List<String> badAmounts = List.of("-1", "0", "1.5", "1e6", "1E6", "+7", "007", " 5", "5 ", "0x10", "abc", "",
                "1000000000001", "99999999999999999999", "\u0661\u0662", "1_000", "1,000", "Infinity", "NaN", "1.0");
        for (String bad : badAmounts) {
            cases.add(new Case("credit amount '" + bad + "'", () -> bearer(ot).body(Map.of("items", List.of(Map.of("accountId", acct,
                    "amount", bad, "reference", "amt-" + UUID.randomUUID())))).post("/v1/credits"), 400, "invalid_amount"));
            cases.add(new Case("quote amount '" + bad + "'", () -> bearer(ot).body(Map.of("accountId", acct, "amount", bad))
                    .post("/v1/quotes"), 400, "invalid_amount"));
        }
        cases.add(new Case("credit amount as a JSON number with a fraction", () -> bearer(ot).body("{\"items\":[{\"accountId\":\"" + acct
                + "\",\"amount\":1.5,\"reference\":\"n\"}]}").post("/v1/credits"), 400, "invalid_amount"));
        cases.add(new Case("quote gross not above the fee", () -> bearer(ot).body(Map.of("accountId", acct, "amount", "300000"))
                .post("/v1/quotes"), 400, "invalid_amount"));
        cases.add(new Case("quote above the balance", () -> bearer(ot).body(Map.of("accountId", acct, "amount", "900000000"))
                .post("/v1/quotes"), 422, "insufficient_balance"));
        cases.add(new Case("quote for an unverified account", () -> bearer(ot).body(Map.of("accountId", f.unverifiedId(), "amount", "1000000"))
                .post("/v1/quotes"), 422, "verification_required"));

        // 6. addresses
        String w = f.account().walletAddress();
        String badChecksum = "0x" + flipFirstLetter(w.substring(2));
        for (String bad : List.of(badChecksum, w.substring(2), "0X" + w.substring(2), w.substring(0, 41), w + "0", "0x" + "g".repeat(40),
                "0x0000000000000000000000000000000000000000", "", " " + w, w.toLowerCase() + " ")) {
            cases.add(new Case("quote destination '" + bad + "'", () -> bearer(ot).body(Map.of("accountId", acct, "amount", "1000000",
                    "destination", bad)).post("/v1/quotes"), 400, "invalid_address"));
        }
        String ref = f.account().externalRef();
        cases.add(new Case("verification wallet with a bad checksum", () -> bearer(ot).body(Map.of("token",
                TestVerifier.token(ref, badChecksum))).post("/v1/accounts/" + acct + "/verification"), 400, "invalid_address"));
        cases.add(new Case("verification wallet too short", () -> bearer(ot).body(Map.of("token",
                TestVerifier.token(ref, "0x1234"))).post("/v1/accounts/" + acct + "/verification"), 400, "invalid_address"));
        String otherWallet = Wallets.address(Wallets.newKey());
        cases.add(new Case("verification binding another wallet without rebindWallet", () -> bearer(ot).body(Map.of("token",
                TestVerifier.token(ref, otherWallet))).post("/v1/accounts/" + acct + "/verification"), 409, "wallet_rebind_required"));

        // 7. verification tokens
        String vpath = "/v1/accounts/" + acct + "/verification";
        TestVerifier.Claims vc = TestVerifier.claims(ref, w);
        OctetKeyPairJsonWebKey ed = OkpJwkGenerator.generateJwk(OctetKeyPairJsonWebKey.SUBTYPE_ED25519);
        String[] vparts = TestVerifier.sign(vc).split("\\.");
        String vTampered = vparts[0] + "." + ForgedTokens.b64(new String(Base64.getUrlDecoder().decode(vparts[1])).replace("FULL", "BASIC"))
                + "." + vparts[2];
        List<Object[]> vcases = List.of(
                new Object[]{"expired", TestVerifier.sign(vc.withExpOffset(-300)), 422, "verification_expired"},
                new Object[]{"issued in the future", TestVerifier.sign(vc.withIat(3600).withExpOffset(7200)), 422, "verification_not_yet_valid"},
                new Object[]{"unknown kid", TestVerifier.sign(vc.withKid("rotated-away")), 422, "unknown_verifier_key"},
                new Object[]{"no kid", TestVerifier.sign(vc.withKid(null)), 422, "unknown_verifier_key"},
                new Object[]{"untrusted issuer", TestVerifier.sign(vc.withIssuer("https://evil.example")), 422, "untrusted_issuer"},
                new Object[]{"another subject", TestVerifier.sign(vc.withSubject("someone-else")), 422, "subject_mismatch"},
                new Object[]{"signed by another key", TestVerifier.sign(vc, ForgedTokens.ecStranger()), 422, "bad_signature"},
                new Object[]{"tampered payload", vTampered, 422, "bad_signature"},
                new Object[]{"EdDSA by an unknown key", edToken(ed, vc), 422, "bad_signature"},
                new Object[]{"alg none", ForgedTokens.b64("{\"alg\":\"none\",\"kid\":\"" + EmbeddedPostgresResource.VERIFIER_KID + "\"}")
                        + "." + vparts[1] + ".AAAA", 422, "unsupported_algorithm"},
                new Object[]{"HS256", ForgedTokens.b64("{\"alg\":\"HS256\",\"kid\":\"" + EmbeddedPostgresResource.VERIFIER_KID + "\"}")
                        + "." + vparts[1] + "." + vparts[2], 422, "unsupported_algorithm"},
                new Object[]{"own jwk header", ForgedTokens.b64("{\"alg\":\"ES256\",\"kid\":\"" + EmbeddedPostgresResource.VERIFIER_KID
                        + "\",\"jwk\":{\"kty\":\"EC\"}}") + "." + vparts[1] + "." + vparts[2], 422, "unsupported_algorithm"},
                new Object[]{"level not BASIC or FULL", TestVerifier.sign(vc.withLevel("PLATINUM")), 422, "invalid_claims"},
                new Object[]{"garbage", "garbage", 400, "malformed_token"},
                new Object[]{"four segments", "a.b.c.d", 400, "malformed_token"});
        for (Object[] v : vcases) {
            cases.add(new Case("verification token " + v[0], () -> bearer(ot).body(Map.of("token", v[1])).post(vpath), (int) v[2], (String) v[3]));
        }
        cases.add(new Case("verification token too long", () -> bearer(ot).body(Map.of("token", "a".repeat(9000))).post(vpath), 400, "validation_failed"));

        // 8. cash-out signatures and replays
        ECKeyPair key = f.account().wallet();
        BigInteger s = new BigInteger(goodSig.substring(66, 130), 16);
        String highS = goodSig.substring(0, 66) + String.format("%064x", Sign.CURVE_PARAMS.getN().subtract(s))
                + (goodSig.endsWith("1b") ? "1c" : "1b");
        ObjectNode otherChain = (ObjectNode) f.quote().get("typedData").deepCopy();
        ((ObjectNode) otherChain.get("domain")).put("chainId", 1);
        ObjectNode otherEscrow = (ObjectNode) f.quote().get("typedData").deepCopy();
        ((ObjectNode) otherEscrow.get("domain")).put("verifyingContract", "0x000000000000000000000000000000000000dEaD");
        ObjectNode otherDeadline = (ObjectNode) f.quote().get("typedData").deepCopy();
        ((ObjectNode) otherDeadline.get("message")).put("deadline", otherDeadline.get("message").get("deadline").asLong() + 3600);
        List<Object[]> sigs = List.of(
                new Object[]{"by another key", Api.sign(f.quote(), Wallets.newKey())},
                new Object[]{"64 bytes", goodSig.substring(0, 130)},
                new Object[]{"66 bytes", goodSig + "00"},
                new Object[]{"high s", highS},
                new Object[]{"v = 29", goodSig.substring(0, 130) + "1d"},
                new Object[]{"v = 2", goodSig.substring(0, 130) + "02"},
                new Object[]{"not hex", "0x" + "zz".repeat(65)},
                new Object[]{"all zeros", "0x" + "00".repeat(65)},
                new Object[]{"for another chain id", Wallets.signTypedData(otherChain.toString(), key)},
                new Object[]{"for another escrow", Wallets.signTypedData(otherEscrow.toString(), key)},
                new Object[]{"with another deadline", Wallets.signTypedData(otherDeadline.toString(), key)},
                new Object[]{"of another quote", Api.sign(f.usedQuote(), key)});
        for (Object[] sg : sigs) {
            cases.add(new Case("cash-out signature " + sg[0], () -> bearer(ot).body(Map.of("quoteId", quoteId, "signature", sg[1]))
                    .post("/v1/cashouts"), 422, "bad_signature"));
        }
        cases.add(new Case("cash-out signature empty", () -> bearer(ot).body(Map.of("quoteId", quoteId, "signature", ""))
                .post("/v1/cashouts"), 400, "validation_failed"));
        cases.add(new Case("cash-out replay of a used quote", () -> bearer(ot).body(Map.of("quoteId", f.usedQuote().get("id").asText(),
                "signature", Api.sign(f.usedQuote(), key))).post("/v1/cashouts"), 409, "quote_used"));
        cases.add(new Case("cash-out after the deadline", () -> bearer(ot).body(Map.of("quoteId", f.expiredQuote().get("id").asText(),
                "signature", Api.sign(f.expiredQuote(), key))).post("/v1/cashouts"), 422, "quote_expired"));
        cases.add(new Case("cash-out quote id with bad characters", () -> bearer(ot).body(Map.of("quoteId", "quote_1;drop", "signature", goodSig))
                .post("/v1/cashouts"), 400, "validation_failed"));

        // 9. idempotency keys
        cases.add(new Case("Idempotency-Key reused with another body", () -> bearer(ot).header("Idempotency-Key", "suite-key")
                .body(Map.of("externalRef", "other-" + UUID.randomUUID())).post("/v1/accounts"), 409, "idempotency_key_reused"));
        cases.add(new Case("Idempotency-Key too long", () -> bearer(ot).header("Idempotency-Key", "k".repeat(256))
                .body(Map.of("externalRef", "x-" + UUID.randomUUID())).post("/v1/accounts"), 400, "validation_failed"));
        cases.add(new Case("Idempotency-Key with a space", () -> bearer(ot).header("Idempotency-Key", "a b")
                .body(Map.of("externalRef", "x-" + UUID.randomUUID())).post("/v1/accounts"), 400, "validation_failed"));

        // 10. query parameters of the lists
        for (String[] q : List.of(new String[]{"limit", "0"}, new String[]{"limit", "101"}, new String[]{"limit", "-1"},
                new String[]{"limit", "ten"}, new String[]{"limit", "99999999999"}, new String[]{"cursor", "!!!"},
                new String[]{"cursor", "x".repeat(300)}, new String[]{"status", "NOPE"}, new String[]{"status", "REQUESTED"},
                new String[]{"accountId", "bad id!"})) {
            cases.add(new Case("GET /v1/cashouts?" + q[0] + "=" + q[1], () -> bearer(ot).queryParam(q[0], q[1]).get("/v1/cashouts"),
                    400, "validation_failed"));
        }
        for (String list : List.of("/v1/webhooks", "/v1/webhooks/" + f.webhookId() + "/deliveries")) {
            for (String[] q : List.of(new String[]{"limit", "0"}, new String[]{"limit", "101"}, new String[]{"limit", "-1"},
                    new String[]{"limit", "ten"}, new String[]{"cursor", "!!!"}, new String[]{"cursor", "x".repeat(300)})) {
                cases.add(new Case("GET " + list + "?" + q[0] + "=" + q[1], () -> bearer(ot).queryParam(q[0], q[1]).get(list),
                        400, "validation_failed"));
            }
        }
        cases.add(new Case("GET deliveries?eventId=bad id!", () -> bearer(ot).queryParam("eventId", "bad id!")
                .get("/v1/webhooks/" + f.webhookId() + "/deliveries"), 400, "validation_failed"));
        String auditor = Tokens.auditor("suite-auditor");
        for (String[] q : List.of(new String[]{"limit", "0"}, new String[]{"limit", "1001"}, new String[]{"after", "-1"},
                new String[]{"after", "x"})) {
            cases.add(new Case("GET /v1/audit/events?" + q[0] + "=" + q[1], () -> bearer(auditor).queryParam(q[0], q[1])
                    .get("/v1/audit/events"), 400, "validation_failed"));
        }

        // 11. unknown routes and wrong methods
        for (String path : List.of("/v1/nope", "/v1/accounts/" + acct + "/nope", "/v2/accounts", "/nope")) {
            cases.add(new Case("GET " + path, () -> bearer(ot).get(path), 404, "not_found"));
        }
        for (String path : List.of("/v1/accounts", "/v1/accounts/" + acct, "/v1/credits", "/v1/quotes", "/v1/cashouts",
                "/v1/cashouts/" + f.cashoutId(), "/v1/audit/events", "/v1/webhooks")) {
            for (String method : List.of("DELETE", "PUT", "PATCH")) {
                cases.add(new Case(method + " " + path, () -> bearer(ot).body("{}").request(method, path), 405, "method_not_allowed"));
            }
        }
        String webhook = "/v1/webhooks/" + f.webhookId();
        for (String[] mp : List.of(new String[] {"PUT", webhook}, new String[] {"PATCH", webhook}, new String[] {"POST", webhook},
                new String[] {"GET", webhook + "/rotate-secret"}, new String[] {"POST", webhook + "/deliveries"})) {
            cases.add(new Case(mp[0] + " " + mp[1], () -> bearer(ot).body("{}").request(mp[0], mp[1]), 405, "method_not_allowed"));
        }

        // 12. representations the API does not have, and bodies past the size limit
        for (String path : List.of("/v1/cashouts", "/v1/accounts/" + acct, "/v1/cashouts/" + f.cashoutId(), "/v1/webhooks",
                "/v1/webhooks/" + f.webhookId())) {
            cases.add(new Case("GET " + path + " accepting XML", () -> bearer(ot).accept("application/xml").get(path), 406, "not_acceptable"));
        }
        String huge = "{\"externalRef\":\"" + "x".repeat(1_100_000) + "\"}";
        cases.add(new Case("POST /v1/accounts over the body size limit", () -> bearer(ot).body(huge).post("/v1/accounts"),
                413, "payload_too_large"));

        assertThat(cases).hasSizeGreaterThanOrEqualTo(200);
        Map<String, Integer> byCode = new TreeMap<>();
        cases.forEach(c -> byCode.merge(c.status() + " " + c.code(), 1, Integer::sum));
        System.out.printf("refusal suite: %d cases; by status and code: %s%n", cases.size(), byCode);
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> refusedWithoutWrites(db, c.request(), c.status(), c.code())));
    }

    /** Lists answer only the caller's rows, whatever the filter or cursor (taken from another integrator's page). */
    @org.junit.jupiter.api.Test
    void listsNeverShowAnotherIntegratorsRows() throws Exception {
        Fixture f = fixture();
        String ot = f.ownerToken();
        String in = f.intruderToken();
        String second = Api.createWebhook(ot, "http://127.0.0.1:9/refusal-suite-2", List.of("escrow.low")).get("id").asText();
        String own = Api.createWebhook(in, "http://127.0.0.1:9/intruder", List.of("escrow.low")).get("id").asText();
        JsonNode ownerPage = Api.json(bearer(ot).queryParam("limit", 1).get("/v1/webhooks").then().statusCode(200).extract().asString());
        assertThat(ownerPage.at("/data/0/id").asText()).isEqualTo(second);
        String ownerCursor = ownerPage.get("nextCursor").asText();
        for (RequestSpecification r : List.of(bearer(in), bearer(in).queryParam("cursor", ownerCursor), bearer(in).queryParam("limit", 100))) {
            JsonNode page = Api.json(r.get("/v1/webhooks").then().statusCode(200).extract().asString());
            assertThat(page.toString()).doesNotContain(f.webhookId()).doesNotContain(second);
            page.get("data").forEach(n -> assertThat(n.get("id").asText()).isEqualTo(own));
        }
        JsonNode intruderHooks = Api.json(bearer(in).get("/v1/webhooks").then().statusCode(200).extract().asString());
        assertThat(intruderHooks.get("data")).hasSize(1);
        for (RequestSpecification r : List.of(bearer(in), bearer(in).queryParam("accountId", f.account().id()),
                bearer(in).queryParam("status", "QUEUED"))) {
            JsonNode page = Api.json(r.get("/v1/cashouts").then().statusCode(200).extract().asString());
            assertThat(page.get("data")).isEmpty();
        }
        JsonNode ownerCashouts = Api.json(bearer(ot).get("/v1/cashouts").then().statusCode(200).extract().asString());
        assertThat(ownerCashouts.toString()).contains(f.cashoutId());
    }

    static String edToken(OctetKeyPairJsonWebKey key, TestVerifier.Claims c) {
        JwtClaims claims = new JwtClaims();
        claims.setIssuer(c.issuer());
        claims.setSubject(c.subject());
        claims.setClaim("wallet", c.wallet());
        claims.setClaim("level", c.level());
        claims.setIssuedAtToNow();
        claims.setExpirationTime(NumericDate.fromSeconds(ForgedTokens.now() + 600));
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setKey(key.getPrivateKey());
        jws.setAlgorithmHeaderValue("EdDSA");
        jws.setKeyIdHeaderValue(EmbeddedPostgresResource.VERIFIER_KID);
        try {
            return jws.getCompactSerialization();
        } catch (org.jose4j.lang.JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    static String flipFirstLetter(String hex) {
        char[] c = hex.toCharArray();
        for (int i = 0; i < c.length; i++) {
            if (Character.isLetter(c[i])) {
                c[i] = Character.isUpperCase(c[i]) ? Character.toLowerCase(c[i]) : Character.toUpperCase(c[i]);
                return new String(c);
            }
        }
        throw new IllegalStateException("no letter in " + hex);
    }
}
