package io.microsettle;

import io.microsettle.account.DevVerifier;
import io.microsettle.security.DevKeys;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * What the service brings up by itself when nothing is configured (plain Java, runs
 * before Quarkus boots): an embedded PostgreSQL with its data under {@code <data>/postgres},
 * reused on restart, a JWT key pair and a dev verifier key under {@code <data>/keys}, and
 * the dev chain's data directory {@code <data>/chain}. Each is skipped when the corresponding setting is
 * configured in any source Quarkus reads ({@link BootConfig}: system properties, environment, {@code .env},
 * {@code config/application.properties}, {@code quarkus.config.locations} files).
 */
public final class EmbeddedDefaults {
    public static final String JDBC_URL = "quarkus.datasource.jdbc.url";
    public static final String JWT_KEY_LOCATION = "mp.jwt.verify.publickey.location";
    public static final String JWT_KEY = "mp.jwt.verify.publickey";
    public static final String JWT_ISSUER = "mp.jwt.verify.issuer";
    public static final String VERIFIER_JWKS = "microsettle.account.verifier-jwks";
    public static final String VERIFIER_ISSUER = "microsettle.account.verifier-issuer";
    public static final String CHAIN_DATA_DIR = "microsettle.chain.data-dir";
    static final String DB_USER = "quarkus.datasource.username";
    static final String DB_PASSWORD = "quarkus.datasource.password";

    /** What was started or generated; {@code keysDir} is present when the dev JWT key is in use. */
    public record Started(Path dataDir, Optional<String> jdbcUrl, Optional<Path> keysDir) {}

    private static EmbeddedPostgres postgres;

    private EmbeddedDefaults() {}

    /** The data directory the configuration names ({@code microsettle.data-dir}, every source), absolute. */
    public static Path dataDir() {
        return BootConfig.load(Optional.empty()).dataDir();
    }

    /**
     * What {@link #start} brings up, decided from every configuration source ({@link BootConfig}): each part is
     * embedded only when its setting is configured nowhere.
     */
    public record Plan(Path dataDir, boolean postgres, boolean devJwtKey, boolean devJwtIssuer, boolean devVerifier,
                       boolean chainDataDir) {
        /** What the plan sets, as properties; the embedded PostgreSQL's URL is known once it runs (shown as where it keeps its data). */
        public Map<String, String> properties() {
            Map<String, String> p = new LinkedHashMap<>();
            if (postgres) {
                p.put(JDBC_URL, "(embedded PostgreSQL, data in " + dataDir.resolve("postgres") + ")");
                p.put(DB_USER, "postgres");
                p.put(DB_PASSWORD, "postgres");
            }
            if (devJwtKey) p.put(JWT_KEY_LOCATION, dataDir.resolve("keys").resolve(DevKeys.PUBLIC_FILE).toUri().toString());
            if (devJwtIssuer) p.put(JWT_ISSUER, DevKeys.DEV_ISSUER);
            if (devVerifier) {
                p.put(VERIFIER_JWKS, dataDir.resolve("keys").resolve(DevVerifier.JWKS_FILE).toString());
                p.put(VERIFIER_ISSUER, DevVerifier.ISSUER);
            }
            if (chainDataDir) p.put(CHAIN_DATA_DIR, dataDir.resolve("chain").toString());
            return p;
        }
    }

    public static Plan plan(BootConfig config) {
        boolean devJwtKey = !config.isSet(JWT_KEY_LOCATION) && !config.isSet(JWT_KEY);
        return new Plan(config.dataDir(), !config.isSet(JDBC_URL), devJwtKey, devJwtKey && !config.isSet(JWT_ISSUER),
                !config.isSet(VERIFIER_JWKS), !config.isSet(CHAIN_DATA_DIR));
    }

    /** Starts what the configuration in every source leaves to the embedded mode. */
    public static Started start(boolean fresh) {
        return start(fresh, plan(BootConfig.load(Optional.empty())));
    }

    public static Started start(boolean fresh, Plan plan) {
        Path data = plan.dataDir();
        if (fresh) {
            deleteRecursively(data);
        }
        Optional<String> jdbcUrl = Optional.empty();
        if (plan.postgres()) {
            jdbcUrl = Optional.of(startPostgres(data.resolve("postgres")));
        }
        Optional<Path> keysDir = Optional.empty();
        if (plan.devJwtKey()) {
            keysDir = Optional.of(data.resolve("keys"));
            DevKeys.ensure(keysDir.get());
        }
        if (plan.devVerifier()) {
            // A dev verifier stands in for a KYC provider; `microsettle verification-token` mints with it.
            DevVerifier.ensure(data.resolve("keys"));
        }
        // The dev chain (started by io.microsettle.chain.ChainClient when no rpc-url is set) keeps its state and
        // deployment record beside the database (CHAIN_DATA_DIR in the plan's properties).
        plan.properties().forEach((name, value) -> {
            if (!name.equals(JDBC_URL) && !name.startsWith("quarkus.datasource.")) System.setProperty(name, value);
        });
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

    private static synchronized String startPostgres(Path dir) {
        try {
            Files.createDirectories(dir);
            postgres = EmbeddedPostgres.builder()
                    .setDataDirectory(dir)
                    .setCleanDataDirectory(false)
                    // statement statistics for whoever looks (CREATE EXTENSION pg_stat_statements to read them)
                    .setServerConfig("shared_preload_libraries", "pg_stat_statements")
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the embedded PostgreSQL in " + dir, e);
        }
        String url = postgres.getJdbcUrl("postgres", "postgres");
        System.setProperty(JDBC_URL, url);
        System.setProperty(DB_USER, "postgres");
        System.setProperty(DB_PASSWORD, "postgres");
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
