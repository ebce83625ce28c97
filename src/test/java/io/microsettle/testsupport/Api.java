package io.microsettle.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import io.microsettle.infra.CrashPoints;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import org.web3j.crypto.ECKeyPair;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

import static io.restassured.RestAssured.given;
import static io.microsettle.testsupport.Problems.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

/** The integrator's side of the API, for tests: creates, verifies, funds accounts. */
public final class Api {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A verified, funded account and the wallet key bound to it. */
    public record FundedAccount(String id, String externalRef, ECKeyPair wallet, String walletAddress) {}

    static {
        io.restassured.RestAssured.enableLoggingOfRequestAndResponseIfValidationFails();
    }

    private Api() {}

    public static RequestSpecification as(String token) {
        return given().header("Authorization", Tokens.bearer(token)).contentType(ContentType.JSON);
    }

    public static String createAccount(String token, String externalRef) {
        return as(token).body(Map.of("externalRef", externalRef)).post("/v1/accounts")
                .then().statusCode(201).extract().path("id");
    }

    public static FundedAccount fundedAccount(String integrator, long creditBaseUnits) {
        String token = Tokens.integrator(integrator);
        String ref = "user-" + UUID.randomUUID();
        String id = createAccount(token, ref);
        ECKeyPair key = Wallets.newKey();
        String address = Wallets.address(key);
        as(token).body(Map.of("token", TestVerifier.token(ref, address.toLowerCase())))
                .post("/v1/accounts/" + id + "/verification").then().statusCode(200);
        if (creditBaseUnits > 0) {
            credit(token, id, creditBaseUnits, "ref-" + UUID.randomUUID());
        }
        return new FundedAccount(id, ref, key, address);
    }

    public static void credit(String token, String accountId, long amount, String reference) {
        as(token).body(Map.of("items", List.of(Map.of("accountId", accountId, "amount", Long.toString(amount),
                "reference", reference)))).post("/v1/credits").then().statusCode(201);
    }

    /** Posts a quote and returns the whole response as JSON. */
    public static JsonNode quote(String token, String accountId, long amount) {
        Response r = as(token).body(Map.of("accountId", accountId, "amount", Long.toString(amount))).post("/v1/quotes");
        assertThat(r.statusCode()).as(r.asString()).isEqualTo(201);
        return json(r.asString());
    }

    /** Quotes {@code amount} (to the account's wallet, or to {@code destination}) and requests the cash-out; the response as is. */
    public static Response cashout(String token, FundedAccount a, long amount, String destination) {
        Response qr = as(token).body(destination == null ? Map.of("accountId", a.id(), "amount", Long.toString(amount))
                : Map.of("accountId", a.id(), "amount", Long.toString(amount), "destination", destination)).post("/v1/quotes");
        assertThat(qr.statusCode()).as(qr.asString()).isEqualTo(201);
        JsonNode q = json(qr.asString());
        return as(token).body(Map.of("quoteId", q.get("id").asText(), "signature", sign(q, a.wallet()))).post("/v1/cashouts");
    }

    /** Subscribes {@code url} to {@code events}; the created endpoint (with its secret). */
    public static JsonNode createWebhook(String token, String url, List<String> events) {
        Response r = as(token).body(Map.of("url", url, "events", events)).post("/v1/webhooks");
        assertThat(r.statusCode()).as(r.asString()).isEqualTo(201);
        return json(r.asString());
    }

    public static String sign(JsonNode quote, ECKeyPair key) {
        return Wallets.signTypedData(quote.get("typedData").toString(), key);
    }

    public static JsonNode json(String body) {
        try {
            return JSON.readTree(body);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Sends {@code body} to {@code path} with a new Idempotency-Key and {@code crashPoint} armed (answered 500 after its
     * commit), then again with the same key: the retry must be the first request's answer, {@code status}, replayed.
     */
    public static Response retriedAfterAFailurePastTheCommit(String crashPoint, String token, String path, Object body, int status) {
        String key = UUID.randomUUID().toString();
        failsPastTheCommit(crashPoint, () -> as(token).header("Idempotency-Key", key).body(body).post(path));
        Response retry = as(token).header("Idempotency-Key", key).body(body).post(path);
        assertThat(retry.statusCode()).as(retry.asString()).isEqualTo(status);
        assertThat(retry.header("Idempotent-Replayed")).isEqualTo("true");
        return retry;
    }

    /** Sends {@code request} with {@code crashPoint} armed: it fails there, after its commit, and is answered 500. */
    public static void failsPastTheCommit(String crashPoint, Supplier<Response> request) {
        CrashPoints.arm(crashPoint);
        try {
            assertProblem(request.get(), 500, "internal_error");
        } finally {
            CrashPoints.disarmAll();
        }
    }
}
