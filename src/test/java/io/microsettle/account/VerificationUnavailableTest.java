package io.microsettle.account;

import com.sun.net.httpserver.HttpServer;
import io.microsettle.testsupport.Api;
import io.microsettle.testsupport.DbRows;
import io.microsettle.testsupport.TestVerifier;
import io.microsettle.testsupport.Tokens;
import io.microsettle.testsupport.Wallets;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;

import static io.microsettle.testsupport.Api.as;
import static io.microsettle.testsupport.Problems.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The only trusted verifier JWKS source is a URL where nothing listens (a loopback port found free,
 * then closed): it never loads, so verification answers 503 {@code verification_unavailable} with
 * {@code Retry-After}, writes nothing and never accepts. Then the verifier comes up at that URL, and
 * the next request loads it and verifies, without a restart. One Quarkus boot with this profile for
 * both methods, in this order.
 */
@QuarkusTest
@TestProfile(VerificationUnavailableTest.UnreachableVerifier.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class VerificationUnavailableTest {
    /** The port, chosen once per JVM (the profile and the test may be loaded by different class loaders). */
    static final String PORT_PROPERTY = "microsettle.test.unreachable-verifier-port";
    static final String IDEMPOTENCY_KEY = "verify-" + UUID.randomUUID();

    public static class UnreachableVerifier implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("microsettle.account.verifier-jwks", url());
        }
    }

    static synchronized int port() {
        String p = System.getProperty(PORT_PROPERTY);
        if (p == null) {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                p = Integer.toString(s.getLocalPort());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            System.setProperty(PORT_PROPERTY, p);
        }
        return Integer.parseInt(p);
    }

    static String url() {
        return "http://127.0.0.1:" + port() + "/verifier/jwks.json";
    }

    /** One account and wallet for both methods (created by the first). */
    static String accountId;
    static String externalRef;
    static String wallet;

    @Inject
    DbRows db;

    static Response submit(String token) {
        return as(Tokens.integrator("unavailable-verifier")).header("Idempotency-Key", IDEMPOTENCY_KEY)
                .body(Map.of("token", token)).post("/v1/accounts/" + accountId + "/verification");
    }

    @Test
    @Order(1)
    void aVerifierSourceThatNeverLoadedRefusesWith503AndRetryAfterAndWritesNothing() {
        externalRef = "user-" + UUID.randomUUID();
        accountId = Api.createAccount(Tokens.integrator("unavailable-verifier"), externalRef);
        wallet = Wallets.address(Wallets.newKey());
        String token = TestVerifier.token(externalRef, wallet);
        for (int attempt = 1; attempt <= 2; attempt++) {
            // the second attempt, same Idempotency-Key: the 503 was not remembered, the key was released
            Map<String, Long> before = db.snapshot();
            Response r = submit(token);
            assertProblem(r, 503, "verification_unavailable");
            assertThat(r.header("Retry-After")).as("attempt %d", attempt).isEqualTo("30");
            assertThat(r.header("Idempotent-Replayed")).isNull();
            assertThat(r.jsonPath().getString("title")).isEqualTo("Service Unavailable");
            assertThat(db.snapshot()).as("rows after attempt %d", attempt).isEqualTo(before);
        }
        as(Tokens.integrator("unavailable-verifier")).get("/v1/accounts/" + accountId).then().statusCode(200)
                .body("verificationLevel", org.hamcrest.Matchers.equalTo("NONE"))
                .body("wallet", org.hamcrest.Matchers.nullValue());
    }

    @Test
    @Order(2)
    void theVerifierComingUpAtThatUrlIsReadAtTheNextRequest() throws Exception {
        assertThat(accountId).as("the first method ran").isNotNull();
        byte[] jwks = new JsonWebKeySet(TestVerifier.privateKey()).toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY)
                .getBytes(StandardCharsets.UTF_8);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port()), 0);
        server.createContext("/verifier/jwks.json", ex -> {
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, jwks.length);
            ex.getResponseBody().write(jwks);
            ex.close();
        });
        server.start();
        try {
            long verified = db.scalar("SELECT count(*) FROM audit_events WHERE type = 'account.verified' AND subject = '"
                    + accountId + "'");
            Response r = submit(TestVerifier.token(externalRef, wallet));
            assertThat(r.statusCode()).as(r.asString()).isEqualTo(200);
            assertThat(r.jsonPath().getString("verificationLevel")).isEqualTo("FULL");
            assertThat(r.jsonPath().getString("wallet")).isEqualTo(wallet);
            assertThat(db.scalar("SELECT count(*) FROM audit_events WHERE type = 'account.verified' AND subject = '"
                    + accountId + "'")).isEqualTo(verified + 1);
        } finally {
            server.stop(0);
        }
    }
}
