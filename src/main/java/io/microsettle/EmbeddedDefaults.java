package io.microsettle;

import io.microsettle.account.DevVerifier;
import io.microsettle.security.DevKeys;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * What the service brings up by itself when nothing is configured (plain Java, runs
 * before Quarkus boots): an embedded PostgreSQL with its data under {@code <data>/postgres},
 * reused on restart, a JWT key pair and a dev verifier key under {@code <data>/keys}, and
 * the dev chain's data directory {@code <data>/chain}. Each is skipped when
 * the corresponding setting is given (system property or environment variable).
 */
public final class EmbeddedDefaults {
    public static final String JDBC_URL = "quarkus.datasource.jdbc.url";
    public static final String JWT_KEY_LOCATION = "mp.jwt.verify.publickey.location";
    public static final String JWT_KEY = "mp.jwt.verify.publickey";
    public static final String JWT_ISSUER = "mp.jwt.verify.issuer";
    public static final String VERIFIER_JWKS = "microsettle.account.verifier-jwks";
    public static final String VERIFIER_ISSUER = "microsettle.account.verifier-issuer";
    public static final String CHAIN_DATA_DIR = "microsettle.chain.data-dir";

    /** What was started or generated; {@code keysDir} is present when the dev JWT key is in use. */
    public record Started(Path dataDir, Optional<String> jdbcUrl, Optional<Path> keysDir) {}

    private static EmbeddedPostgres postgres;

    private EmbeddedDefaults() {}

    public static Path dataDir() {
        return Path.of(Optional.ofNullable(System.getProperty("microsettle.data-dir"))
                .or(() -> Optional.ofNullable(System.getenv("MICROSETTLE_DATA_DIR")))
                .orElse("data"));
    }

    public static Started start(boolean fresh) {
        Path data = dataDir().toAbsolutePath().normalize();
        if (fresh) {
            deleteRecursively(data);
        }
        Optional<String> jdbcUrl = Optional.empty();
        if (!isConfigured(JDBC_URL)) {
            jdbcUrl = Optional.of(startPostgres(data.resolve("postgres")));
        }
        Optional<Path> keysDir = Optional.empty();
        if (!isConfigured(JWT_KEY_LOCATION) && !isConfigured(JWT_KEY)) {
            Path keys = data.resolve("keys");
            Path pub = DevKeys.ensure(keys);
            System.setProperty(JWT_KEY_LOCATION, pub.toUri().toString());
            if (!isConfigured(JWT_ISSUER)) {
                System.setProperty(JWT_ISSUER, DevKeys.DEV_ISSUER);
            }
            keysDir = Optional.of(keys);
        }
        if (!isConfigured(VERIFIER_JWKS)) {
            // A dev verifier stands in for a KYC provider; `microsettle verification-token` mints with it.
            Path jwks = DevVerifier.ensure(data.resolve("keys"));
            System.setProperty(VERIFIER_JWKS, jwks.toString());
            System.setProperty(VERIFIER_ISSUER, DevVerifier.ISSUER);
        }
        if (!isConfigured(CHAIN_DATA_DIR)) {
            // The dev chain (started by io.microsettle.chain.ChainClient when no rpc-url is set)
            // keeps its state and deployment record beside the database.
            System.setProperty(CHAIN_DATA_DIR, data.resolve("chain").toString());
        }
        return new Started(data, jdbcUrl, keysDir);
    }

    /** Stops the embedded PostgreSQL if this class started one (also done on JVM exit). */
    public static synchronized void stop() {
        if (postgres != null) {
            try {
                postgres.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                postgres = null;
            }
        }
    }

    static boolean isConfigured(String property) {
        if (System.getProperty(property) != null) return true;
        String env = property.toUpperCase().replaceAll("[^A-Z0-9]", "_");
        return System.getenv(env) != null;
    }

    private static synchronized String startPostgres(Path dir) {
        try {
            Files.createDirectories(dir);
            postgres = EmbeddedPostgres.builder()
                    .setDataDirectory(dir)
                    .setCleanDataDirectory(false)
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the embedded PostgreSQL in " + dir, e);
        }
        String url = postgres.getJdbcUrl("postgres", "postgres");
        System.setProperty(JDBC_URL, url);
        System.setProperty("quarkus.datasource.username", "postgres");
        System.setProperty("quarkus.datasource.password", "postgres");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                stop();
            } catch (RuntimeException ignored) {
                // shutting down anyway
            }
        }, "embedded-postgres-stop"));
        return url;
    }

    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) return;
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete " + dir, e);
        }
    }
}
