package io.microsettle.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.microsettle.chain.DevAccounts;
import io.microsettle.chain.DevChain;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * What the replicas of docker-compose share, started by a test: one PostgreSQL database, one dev chain (chain id 1337,
 * a block a second) and one data directory (the deployment record and the dev keys that sign tokens). Child processes
 * of the packaged service ({@link ServiceProcess}) started with {@link #replica} run with docker-compose's replica
 * environment, its hosts and volume replaced by these: several replicas at once, or one service killed and started
 * again on the same database and chain.
 */
public final class SharedBackends implements AutoCloseable {
    public static final String DATABASE = "microsettle";
    public static final String USER = "microsettle";
    public static final String PASSWORD = "microsettle";
    public static final String COMPOSE_FILE = "docker-compose.yml";
    /** The replica docker-compose describes first (the others have the same environment). */
    public static final String COMPOSE_REPLICA = "microsettle-1";
    static final String COMPOSE_JDBC_URL = "jdbc:postgresql://postgres:5432/microsettle";
    static final String COMPOSE_RPC_URL = "http://ganache:8545";
    /** How long {@link #awaitLeases} waits at most. */
    public static final Duration LEASE_WAIT = Duration.ofSeconds(90);

    public final Path workDir;
    public final EmbeddedPostgres postgres;
    public final DevChain chain;
    public final String jdbcUrl;
    /** The data directory every replica uses (docker-compose's microsettle-data volume). */
    public final Path dataDir;

    private SharedBackends(Path workDir, EmbeddedPostgres postgres, DevChain chain, String jdbcUrl) {
        this.workDir = workDir;
        this.postgres = postgres;
        this.chain = chain;
        this.jdbcUrl = jdbcUrl;
        this.dataDir = workDir.resolve("microsettle-data");
    }

    /** A PostgreSQL server with the {@value #DATABASE} database and role, and a dev chain of {@code kind}, under {@code workDir}. */
    public static SharedBackends start(Path workDir, DevChain.Kind kind) {
        EmbeddedPostgres postgres = ServiceFixtures.postgresServer();
        try {
            String url = ServiceFixtures.createDatabase(postgres, DATABASE, Optional.of(USER), PASSWORD);
            DevChain chain = DevChain.Options.builder(kind, ServiceFixtures.contractsDir(), workDir.resolve(kind.id()))
                    .chainId(DevAccounts.DEV_CHAIN_ID).blockTimeSeconds(1).start();
            return new SharedBackends(workDir, postgres, chain, url);
        } catch (RuntimeException | Error e) {
            closeQuietly(postgres);
            throw e;
        }
    }

    /** docker-compose's replica environment as written ({@value #COMPOSE_FILE}). */
    public static Map<String, String> composeEnvironment() {
        try {
            JsonNode compose = new ObjectMapper(new YAMLFactory()).readTree(Path.of(COMPOSE_FILE).toFile());
            Map<String, String> env = new LinkedHashMap<>();
            compose.path("services").path(COMPOSE_REPLICA).path("environment").properties()
                    .forEach(e -> env.put(e.getKey(), e.getValue().asText()));
            return env;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** docker-compose's replica environment with its database, chain and volume replaced by this fixture's. */
    public Map<String, String> replicaEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        composeEnvironment().forEach((k, v) -> env.put(k, v.replace(COMPOSE_JDBC_URL, jdbcUrl)
                .replace(COMPOSE_RPC_URL, chain.rpcUrl()).replaceFirst("^/data", dataDir.toString())));
        return env;
    }

    /** A replica named {@code name} (its own working directory) with {@link #replicaEnvironment()}. */
    public ServiceProcess.Builder replica(String name) {
        return replica(name, replicaEnvironment());
    }

    /** A replica named {@code name} (its own working directory) with {@code env}. */
    public ServiceProcess.Builder replica(String name, Map<String, String> env) {
        ServiceProcess.Builder b = ServiceProcess.builder(workDir.resolve(name));
        env.forEach(b::env);
        return b;
    }

    /** A client of a replica, minting tokens with the shared data directory's dev keys. */
    public ServiceClient client(ServiceProcess replica) {
        return new ServiceClient(replica.baseUri(), dataDir);
    }

    /** A connection to the shared database, as the service's role. */
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl, USER, PASSWORD);
    }

    /** Polls the unexpired leases (name → holder, fence) until {@code done} holds; at most {@link #LEASE_WAIT}. */
    public Map<String, String[]> awaitLeases(Predicate<Map<String, String[]>> done) throws Exception {
        long deadline = System.nanoTime() + LEASE_WAIT.toNanos();
        Map<String, String[]> held = Map.of();
        while (System.nanoTime() < deadline) {
            held = new LinkedHashMap<>();
            try (Connection c = connect();
                 var rs = c.createStatement().executeQuery("SELECT name, holder, fence FROM leases WHERE expires_at > now() ORDER BY name")) {
                while (rs.next()) held.put(rs.getString(1), new String[] {rs.getString(2), Long.toString(rs.getLong(3))});
            }
            if (done.test(held)) return held;
            Thread.sleep(500);
        }
        throw new AssertionError("leases not as expected within " + LEASE_WAIT.toSeconds() + " s: " + held.entrySet().stream()
                .map(e -> e.getKey() + "=" + String.join("/", e.getValue())).toList());
    }

    @Override
    public void close() {
        try {
            chain.close();
        } finally {
            closeQuietly(postgres);
        }
    }

    private static void closeQuietly(EmbeddedPostgres pg) {
        try {
            pg.close();
        } catch (IOException e) {
            // the server is going away with the test
        }
    }
}
