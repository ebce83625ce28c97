package io.microsettle.testsupport;

import io.microsettle.security.DevKeys;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import org.jose4j.jwk.EcJwkGenerator;
import org.jose4j.jwk.EllipticCurveJsonWebKey;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.keys.EllipticCurves;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Test resource: the suites' PostgreSQL ({@link TestDatabase}: from Testcontainers where a Docker engine is
 * reachable, else embedded in a temp dir; it logs which), a JWT key pair for bearer tokens,
 * and a trusted verifier (ES256, kid {@value #VERIFIER_KID}) whose JWKS file the service reads.
 * Test helpers find the private keys through system properties.
 */
public class EmbeddedPostgresResource implements QuarkusTestResourceLifecycleManager {
    public static final String KEYS_DIR_PROPERTY = "microsettle.test.keys-dir";
    public static final String VERIFIER_JWK_PROPERTY = "microsettle.test.verifier-jwk";
    public static final String VERIFIER_ISSUER = "https://verifier.test";
    public static final String VERIFIER_KID = "verifier-1";
    public static final String ISSUER = DevKeys.DEV_ISSUER;
    /** The callers' JWKS holds two keys, as during a rotation: the dev key and the next one. */
    public static final String CALLER_KID = "caller-1";
    public static final String CALLER_NEXT_KID = "caller-2";
    public static final String CALLER_NEXT_JWK_PROPERTY = "microsettle.test.caller-next-jwk";
    /** The file the callers' JWKS URL serves (tests may publish a further key in it). */
    public static final String CALLER_JWKS_FILE_PROPERTY = "microsettle.test.caller-jwks-file";

    /** A second verifier JWKS served over HTTP on loopback from this file (tests rewrite it to rotate keys). */
    public static final String VERIFIER_URL_JWKS_FILE_PROPERTY = "microsettle.test.verifier-url-jwks-file";
    /** The Ed25519 key (kid {@value #URL_VERIFIER_KID}) first published at that URL, private JWK file. */
    public static final String URL_VERIFIER_JWK_PROPERTY = "microsettle.test.url-verifier-jwk";
    public static final String URL_VERIFIER_KID = "url-ed-1";

    private TestDatabase postgres;
    private com.sun.net.httpserver.HttpServer jwksServer;

    @Override
    public Map<String, String> start() {
        try {
            // Test database only: no fsync (durability is not what the suites test; speed is).
            postgres = TestDatabase.start();
            Path dir = Files.createTempDirectory("microsettle-test");
            Path keys = dir.resolve("keys");
            Path publicKey = DevKeys.ensure(keys);
            System.setProperty(KEYS_DIR_PROPERTY, keys.toString());
            // Bearer-token keys as a JWKS file: the dev key (kid caller-1) and the next key (caller-2).
            org.jose4j.jwk.RsaJsonWebKey current = (org.jose4j.jwk.RsaJsonWebKey) org.jose4j.jwk.PublicJsonWebKey.Factory
                    .newPublicJwk(DevKeys.publicKey(keys));
            current.setKeyId(CALLER_KID);
            current.setAlgorithm("RS256");
            org.jose4j.jwk.RsaJsonWebKey next = org.jose4j.jwk.RsaJwkGenerator.generateJwk(2048);
            next.setKeyId(CALLER_NEXT_KID);
            next.setAlgorithm("RS256");
            Path nextJwk = dir.resolve("caller-next-private.jwk");
            Files.writeString(nextJwk, next.toJson(JsonWebKey.OutputControlLevel.INCLUDE_PRIVATE));
            System.setProperty(CALLER_NEXT_JWK_PROPERTY, nextJwk.toString());
            Path callerJwks = dir.resolve("caller-jwks.json");
            Files.writeString(callerJwks, new JsonWebKeySet(current, next).toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY));

            EllipticCurveJsonWebKey verifier = EcJwkGenerator.generateJwk(EllipticCurves.P256);
            verifier.setKeyId(VERIFIER_KID);
            verifier.setAlgorithm("ES256");
            Path privateJwk = dir.resolve("verifier-private.jwk");
            Files.writeString(privateJwk, verifier.toJson(JsonWebKey.OutputControlLevel.INCLUDE_PRIVATE));
            System.setProperty(VERIFIER_JWK_PROPERTY, privateJwk.toString());
            Path jwks = dir.resolve("verifier-jwks.json");
            Files.writeString(jwks, new JsonWebKeySet(verifier).toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY));

            // The same verifier's keys also come from a URL: a JDK HTTP server on loopback serving a file.
            org.jose4j.jwk.OctetKeyPairJsonWebKey ed = org.jose4j.jwk.OkpJwkGenerator.generateJwk(
                    org.jose4j.jwk.OctetKeyPairJsonWebKey.SUBTYPE_ED25519);
            ed.setKeyId(URL_VERIFIER_KID);
            Path edJwk = dir.resolve("url-verifier-private.jwk");
            Files.writeString(edJwk, ed.toJson(JsonWebKey.OutputControlLevel.INCLUDE_PRIVATE));
            System.setProperty(URL_VERIFIER_JWK_PROPERTY, edJwk.toString());
            Path served = dir.resolve("verifier-url-jwks.json");
            Files.writeString(served, new JsonWebKeySet(ed).toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY));
            System.setProperty(VERIFIER_URL_JWKS_FILE_PROPERTY, served.toString());
            jwksServer = com.sun.net.httpserver.HttpServer.create(
                    new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
            jwksServer.createContext("/verifier/jwks.json", ex -> {
                byte[] body = Files.readAllBytes(served);
                ex.getResponseHeaders().add("Content-Type", "application/json");
                ex.sendResponseHeaders(200, body.length);
                ex.getResponseBody().write(body);
                ex.close();
            });
            jwksServer.createContext("/callers/jwks.json", ex -> {
                byte[] body = Files.readAllBytes(callerJwks);
                ex.getResponseHeaders().add("Content-Type", "application/json");
                ex.sendResponseHeaders(200, body.length);
                ex.getResponseBody().write(body);
                ex.close();
            });
            System.setProperty(CALLER_JWKS_FILE_PROPERTY, callerJwks.toString());
            jwksServer.start();
            String jwksUrl = "http://127.0.0.1:" + jwksServer.getAddress().getPort() + "/verifier/jwks.json";
            String callerJwksUrl = "http://127.0.0.1:" + jwksServer.getAddress().getPort() + "/callers/jwks.json";

            Map<String, String> config = new java.util.HashMap<>(Map.of(
                    "quarkus.datasource.jdbc.url", postgres.jdbcUrl(),
                    "quarkus.datasource.username", postgres.username(),
                    "quarkus.datasource.password", postgres.password(),
                    // the callers' keys from a JWKS URL (two kids: a rotation's overlap)
                    "mp.jwt.verify.publickey.location", callerJwksUrl,
                    "mp.jwt.verify.issuer", ISSUER,
                    "microsettle.account.verifier-jwks", jwks + "," + jwksUrl,
                    // re-read the JWKS every second, and at once for an unknown kid: rotations show within a test
                    "microsettle.account.verifier-jwks-refresh-seconds", "1",
                    "microsettle.account.verifier-jwks-min-refetch-seconds", "0",
                    "microsettle.account.verifier-issuer", VERIFIER_ISSUER));
            return config;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (org.jose4j.lang.JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void stop() {
        if (jwksServer != null) jwksServer.stop(0);
        if (postgres != null) postgres.close();
    }
}
