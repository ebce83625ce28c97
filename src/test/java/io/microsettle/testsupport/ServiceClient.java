package io.microsettle.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.microsettle.account.DevVerifier;
import io.microsettle.account.VerificationLevel;
import io.microsettle.security.DevKeys;
import io.microsettle.security.JwtMinter;
import org.web3j.crypto.ECKeyPair;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * An outside client of a running service (a {@link ServiceProcess}), as an integrator, an operator
 * or an auditor uses it: HTTP/1.1 with bearer tokens minted with the service's dev key, and the
 * embedded PostgreSQL's own statistics for checks the API does not expose.
 */
public final class ServiceClient {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration TIMEOUT = Duration.ofSeconds(60);

    /** A reply: status and body (JSON, or null when the body is not JSON). */
    public record Reply(int status, JsonNode body, String raw) {
        public String code() {
            return body == null ? null : body.path("code").asText(null);
        }
    }

    private final URI base;
    private final Path dataDir;
    private final HttpClient http;

    public ServiceClient(URI base, Path dataDir) {
        this.base = base;
        this.dataDir = dataDir;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    }

    /** A bearer token for {@code subject} with {@code role}, minted with the service's dev key (as {@code ./microsettle token}). */
    public String token(String subject, String role) {
        return JwtMinter.mint(DevKeys.privateKey(dataDir.resolve("keys")), DevKeys.DEV_ISSUER, subject, List.of(role), 3600);
    }

    /** A verification token of the dev verifier (as {@code ./microsettle verification-token}). */
    public String verificationToken(String externalRef, String wallet, VerificationLevel level) {
        return DevVerifier.mint(dataDir.resolve("keys"), externalRef, wallet, level, 3600);
    }

    public Reply post(String token, String path, Object body) {
        return post(token, path, body, UUID.randomUUID().toString());
    }

    /** A POST with the given {@code Idempotency-Key} (a retry of an earlier request). */
    public Reply post(String token, String path, Object body, String idempotencyKey) {
        return send(token, path, body, idempotencyKey);
    }

    public Reply get(String token, String path) {
        return send(HttpRequest.newBuilder(base.resolve(path)).header("Authorization", "Bearer " + token).GET());
    }

    public Reply delete(String token, String path) {
        return send(HttpRequest.newBuilder(base.resolve(path)).header("Authorization", "Bearer " + token).DELETE());
    }

    private Reply send(String token, String path, Object body, String idempotencyKey) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).header("Authorization", "Bearer " + token)
                    .header("Content-Type", "application/json").header("Idempotency-Key", idempotencyKey)
                    .POST(HttpRequest.BodyPublishers.ofString(body instanceof String s ? s : JSON.writeValueAsString(body)));
            return send(b);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Reply send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> r = http.send(request.timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode json = null;
            try {
                json = r.body().isEmpty() ? null : JSON.readTree(r.body());
            } catch (IOException notJson) {
                // a non-JSON body is kept raw
            }
            return new Reply(r.statusCode(), json, r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A funded, verified account of {@code integrator} with a fresh wallet: created, verified (FULL) and credited over HTTP. */
    public record Account(String id, String externalRef, ECKeyPair wallet) {}

    public Account fundedAccount(String integratorToken, long creditBaseUnits) {
        String ref = "user-" + UUID.randomUUID();
        Reply created = post(integratorToken, "/v1/accounts", Map.of("externalRef", ref));
        expect(created, 201);
        String id = created.body().get("id").asText();
        ECKeyPair wallet = Wallets.newKey();
        expect(post(integratorToken, "/v1/accounts/" + id + "/verification",
                Map.of("token", verificationToken(ref, Wallets.address(wallet), VerificationLevel.FULL))), 200);
        if (creditBaseUnits > 0) {
            expect(post(integratorToken, "/v1/credits", Map.of("items", List.of(Map.of("accountId", id,
                    "amount", Long.toString(creditBaseUnits), "reference", "setup-" + UUID.randomUUID())))), 201);
        }
        return new Account(id, ref, wallet);
    }

    /** Quotes {@code amount} and requests the cash-out with the wallet's signature; the cash-out request's reply. */
    public Reply cashout(String integratorToken, Account a, long amountBaseUnits) {
        Reply q = post(integratorToken, "/v1/quotes", Map.of("accountId", a.id(), "amount", Long.toString(amountBaseUnits)));
        if (q.status() != 201) return q;
        String signature = Wallets.signTypedData(q.body().get("typedData").toString(), a.wallet());
        return post(integratorToken, "/v1/cashouts", Map.of("quoteId", q.body().get("id").asText(), "signature", signature));
    }

    public static Reply expect(Reply r, int status) {
        if (r.status() != status) throw new AssertionError("expected " + status + ", got " + r.status() + ": " + r.raw());
        return r;
    }

    /** A connection to the service's embedded PostgreSQL (its port from the data directory's postmaster.pid). */
    public Connection database() throws SQLException {
        try {
            List<String> pid = Files.readAllLines(dataDir.resolve("postgres").resolve("postmaster.pid"));
            return DriverManager.getConnection("jdbc:postgresql://localhost:" + pid.get(3).trim() + "/postgres", "postgres", "postgres");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code pg_stat_database.deadlocks} of the service's database. */
    public long deadlocks() {
        try (Connection c = database(); var s = c.createStatement();
             var rs = s.executeQuery("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
