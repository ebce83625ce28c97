package io.microsettle.security;

import io.quarkus.test.junit.QuarkusTestProfile;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.PublicJsonWebKey;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jwk.RsaJwkGenerator;
import org.jose4j.lang.JoseException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;

/**
 * The callers' public keys from files, as production may configure them
 * ({@code mp.jwt.verify.publickey.location}): a PEM file (one key, no kid), and a JWKS file with the
 * two keys of a rotation (both accepted, selected by kid). The suite's default profile reads them
 * from a JWKS URL (CallerTokensTest, CallerKeyRotationTest). The keys and profiles of
 * CallerPemFileKeyTest and CallerJwksFileKeyTest: one Quarkus boot per profile.
 */
final class CallerKeyFiles {
    private CallerKeyFiles() {}

    /** Key material is made once per JVM and found through system properties (profile and test may differ in class loader). */
    static final String DIR_PROPERTY = "microsettle.test.caller-key-files-dir";

    static synchronized Path dir() {
        String d = System.getProperty(DIR_PROPERTY);
        if (d != null) return Path.of(d);
        try {
            Path dir = Files.createTempDirectory("caller-key-files");
            DevKeys.ensure(dir.resolve("pem"));
            DevKeys.ensure(dir.resolve("other"));
            RsaJsonWebKey a = RsaJwkGenerator.generateJwk(2048);
            a.setKeyId("file-a");
            a.setAlgorithm("RS256");
            RsaJsonWebKey b = RsaJwkGenerator.generateJwk(2048);
            b.setKeyId("file-b");
            b.setAlgorithm("RS256");
            Files.writeString(dir.resolve("jwks.json"), new JsonWebKeySet(a, b).toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY));
            Files.writeString(dir.resolve("a.jwk"), a.toJson(JsonWebKey.OutputControlLevel.INCLUDE_PRIVATE));
            Files.writeString(dir.resolve("b.jwk"), b.toJson(JsonWebKey.OutputControlLevel.INCLUDE_PRIVATE));
            System.setProperty(DIR_PROPERTY, dir.toString());
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    static PrivateKey jwkPrivateKey(String file) {
        try {
            return ((PublicJsonWebKey) JsonWebKey.Factory.newJwk(Files.readString(dir().resolve(file)))).getPrivateKey();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    static String token(PrivateKey key, String kid) {
        return JwtMinter.mint(key, kid, DevKeys.DEV_ISSUER, JwtMinter.AUDIENCE, "key-files", List.of(Roles.INTEGRATOR), 600);
    }

    static int listCashouts(String token) {
        return given().header("Authorization", "Bearer " + token).get("/v1/cashouts").statusCode();
    }

    public static class PemFile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("mp.jwt.verify.publickey.location", dir().resolve("pem").resolve(DevKeys.PUBLIC_FILE).toString());
        }
    }

    public static class JwksFile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("mp.jwt.verify.publickey.location", dir().resolve("jwks.json").toString());
        }
    }
}
