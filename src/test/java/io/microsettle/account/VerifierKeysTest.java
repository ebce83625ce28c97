package io.microsettle.account;

import com.sun.net.httpserver.HttpServer;
import org.jose4j.jwk.EcJwkGenerator;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.OctetKeyPairJsonWebKey;
import org.jose4j.jwk.OkpJwkGenerator;
import org.jose4j.jwk.PublicJsonWebKey;
import org.jose4j.keys.EllipticCurves;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Verifier JWKS from a URL (a JDK HttpServer on loopback) and from a file: cached, refreshed,
 * selected by kid; a key rotation with real ES256 and Ed25519 keys.
 */
class VerifierKeysTest {
    static final String ISS = "https://kyc.example";
    static final Instant NOW = VerificationTokensTest.NOW;

    HttpServer server;
    final AtomicReference<String> served = new AtomicReference<>();
    final AtomicInteger status = new AtomicInteger(200);
    final AtomicInteger hits = new AtomicInteger();
    final AtomicLong clock = new AtomicLong(1_000_000);
    String url;

    @BeforeEach
    void serve() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/jwks.json", ex -> {
            hits.incrementAndGet();
            byte[] body = served.get().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(status.get(), body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        url = "http://127.0.0.1:" + server.getAddress().getPort() + "/jwks.json";
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    static String jwks(PublicJsonWebKey... keys) {
        return new JsonWebKeySet(keys).toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY);
    }

    VerifierKeys keys(String source) {
        return new VerifierKeys(List.of(source), Duration.ofSeconds(300), Duration.ofSeconds(30), HttpClient.newHttpClient(), clock::get);
    }

    /** What AccountService does: check; on an unknown kid, reload once (rate-limited) and check again. */
    static VerificationTokens.Outcome check(VerifierKeys k, String token) {
        VerificationTokens.Outcome o = new VerificationTokens(k.documents(), ISS, 60).check(token, "user-1", NOW);
        if (o instanceof VerificationTokens.Refused r && r.code() == VerificationTokens.Code.unknown_verifier_key
                && k.refreshForUnknownKid()) {
            o = new VerificationTokens(k.documents(), ISS, 60).check(token, "user-1", NOW);
        }
        return o;
    }

    static String token(PublicJsonWebKey key, String alg) throws Exception {
        return VerificationTokensTest.good(key, alg);
    }

    @Test
    void rotationOverAUrlWithEs256AndEd25519() throws Exception {
        PublicJsonWebKey old = EcJwkGenerator.generateJwk(EllipticCurves.P256);
        old.setKeyId("es-2025");
        OctetKeyPairJsonWebKey next = OkpJwkGenerator.generateJwk(OctetKeyPairJsonWebKey.SUBTYPE_ED25519);
        next.setKeyId("ed-2026");
        String oldToken = token(old, "ES256");
        String nextToken = token(next, "EdDSA");

        served.set(jwks(old));
        VerifierKeys k = keys(url);
        assertThat(check(k, oldToken)).isInstanceOf(VerificationTokens.Verified.class);
        for (int i = 0; i < 5; i++) check(k, oldToken);
        assertThat(hits.get()).as("cached").isEqualTo(1);

        // the verifier publishes the next key beside the old one: the next key's first token reloads at once
        served.set(jwks(old, next));
        clock.addAndGet(31_000);
        assertThat(check(k, nextToken)).isInstanceOf(VerificationTokens.Verified.class);
        assertThat(check(k, oldToken)).as("overlap: both keys").isInstanceOf(VerificationTokens.Verified.class);
        assertThat(hits.get()).isEqualTo(2);

        // the old key is withdrawn: accepted until the cache refreshes, refused after
        served.set(jwks(next));
        assertThat(check(k, oldToken)).isInstanceOf(VerificationTokens.Verified.class);
        clock.addAndGet(300_000);
        assertThat(check(k, oldToken)).isInstanceOf(VerificationTokens.Refused.class)
                .extracting(o -> ((VerificationTokens.Refused) o).code()).isEqualTo(VerificationTokens.Code.unknown_verifier_key);
        assertThat(check(k, nextToken)).isInstanceOf(VerificationTokens.Verified.class);
    }

    @Test
    void unknownKidsCannotForceAReloadMoreThanOncePerMinRefetch() throws Exception {
        PublicJsonWebKey known = EcJwkGenerator.generateJwk(EllipticCurves.P256);
        known.setKeyId("known");
        PublicJsonWebKey stranger = EcJwkGenerator.generateJwk(EllipticCurves.P256);
        stranger.setKeyId("unknown");
        served.set(jwks(known));
        VerifierKeys k = keys(url);
        check(k, token(known, "ES256"));
        for (int i = 0; i < 20; i++) {
            assertThat(check(k, token(stranger, "ES256"))).isInstanceOf(VerificationTokens.Refused.class);
        }
        assertThat(hits.get()).isEqualTo(1);
        clock.addAndGet(30_000);
        check(k, token(stranger, "ES256"));
        assertThat(hits.get()).isEqualTo(2);
    }

    @Test
    void aFailingSourceKeepsItsLastGoodKeys() throws Exception {
        PublicJsonWebKey key = EcJwkGenerator.generateJwk(EllipticCurves.P256);
        key.setKeyId("k");
        served.set(jwks(key));
        VerifierKeys k = keys(url);
        assertThat(check(k, token(key, "ES256"))).isInstanceOf(VerificationTokens.Verified.class);
        status.set(500);
        clock.addAndGet(301_000);
        assertThat(check(k, token(key, "ES256"))).isInstanceOf(VerificationTokens.Verified.class);
        assertThat(hits.get()).isEqualTo(2);
        // a source that never loaded: verification is unavailable, not silently keyless
        VerifierKeys never = keys(url);
        assertThatThrownBy(never::documents).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void fileSourcesAreReReadAfterTheRefreshTime() throws Exception {
        PublicJsonWebKey a = EcJwkGenerator.generateJwk(EllipticCurves.P256);
        a.setKeyId("a");
        PublicJsonWebKey b = EcJwkGenerator.generateJwk(EllipticCurves.P256);
        b.setKeyId("b");
        Path file = Files.createTempFile("jwks", ".json");
        try {
            Files.writeString(file, jwks(a));
            VerifierKeys k = new VerifierKeys(List.of(file.toString()), Duration.ofSeconds(300), Duration.ofDays(1),
                    HttpClient.newHttpClient(), clock::get);
            assertThat(check(k, token(a, "ES256"))).isInstanceOf(VerificationTokens.Verified.class);
            Files.writeString(file, jwks(b));
            assertThat(check(k, token(a, "ES256"))).isInstanceOf(VerificationTokens.Verified.class);
            clock.addAndGet(300_000);
            assertThat(check(k, token(a, "ES256"))).isInstanceOf(VerificationTokens.Refused.class);
            assertThat(check(k, token(b, "ES256"))).isInstanceOf(VerificationTokens.Verified.class);
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
