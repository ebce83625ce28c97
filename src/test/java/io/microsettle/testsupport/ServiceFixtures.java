package io.microsettle.testsupport;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

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
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the tests that start the packaged service ({@code *IT}) share: a working directory under target/ per start,
 * the contracts directory (the child runs elsewhere), a PostgreSQL server standing in for a real one (an embedded
 * PostgreSQL the test starts), and the output of {@code microsettle config} read back as a table.
 */
public final class ServiceFixtures {
    public static final Duration CONFIG_TIMEOUT = Duration.ofSeconds(60);

    private ServiceFixtures() {}

    /** A new, empty working directory under {@code target/it/}. */
    public static Path workDir(String name) {
        try {
            Path base = Path.of("target", "it").toAbsolutePath();
            Files.createDirectories(base);
            return Files.createTempDirectory(base, name + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** This build's {@code contracts/} (with node_modules), absolute: the child's working directory is elsewhere. */
    public static Path contractsDir() {
        return Path.of("contracts").toAbsolutePath();
    }

    /** The system property that points a child's dev chain at {@link #contractsDir()}. */
    public static final String CONTRACTS_DIR = "microsettle.chain.dev.contracts-dir";

    /**
     * A PostgreSQL server (an embedded one: the test's stand-in for a real server). Test data only: no fsync
     * (durability is not what the suites test; speed is).
     */
    public static EmbeddedPostgres postgresServer() {
        try {
            return EmbeddedPostgres.builder()
                    .setServerConfig("fsync", "off")
                    .setServerConfig("synchronous_commit", "off")
                    .setServerConfig("full_page_writes", "off")
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Creates a database (and, if given, its owner role) on the server; returns its JDBC URL. */
    public static String createDatabase(EmbeddedPostgres pg, String name, Optional<String> owner, String password) {
        try (Connection c = DriverManager.getConnection(pg.getJdbcUrl("postgres", "postgres"), "postgres", "postgres");
             Statement s = c.createStatement()) {
            if (owner.isPresent()) {
                s.execute("CREATE ROLE " + owner.get() + " LOGIN PASSWORD '" + password + "'");
                s.execute("CREATE DATABASE " + name + " OWNER " + owner.get());
            } else {
                s.execute("CREATE DATABASE " + name);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return "jdbc:postgresql://localhost:" + pg.getPort() + "/" + name;
    }

    /** The migrations the service applied to that database (Flyway's history), empty if it has none. */
    public static List<String> appliedMigrations(String jdbcUrl, String user, String password) {
        List<String> versions = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(jdbcUrl, user, password); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT to_regclass('flyway_schema_history') IS NOT NULL")) {
            rs.next();
            if (!rs.getBoolean(1)) return versions;
            try (ResultSet h = s.executeQuery("SELECT version FROM flyway_schema_history WHERE success ORDER BY installed_rank")) {
                while (h.next()) versions.add(h.getString(1));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return versions;
    }

    /** GET with a bearer token; the status code. */
    public static int get(URI base, String path, String bearer) {
        try {
            HttpRequest r = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(20))
                    .header("Authorization", "Bearer " + bearer).GET().build();
            return HttpClient.newHttpClient().send(r, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** {@code microsettle config} read back: exit code, every line, and the property table (name → value, source). */
    public record ConfigOutput(int exitCode, List<String> lines, Map<String, Row> rows) {
        public record Row(String value, String source) {}

        public Row row(String name) {
            Row r = rows.get(name);
            if (r == null) throw new AssertionError("microsettle config shows no " + name + ":\n" + String.join("\n", lines));
            return r;
        }

        public String text() {
            return String.join("\n", lines);
        }
    }

    /** Runs the packaged jar with {@code config} (and the builder's options, environment and working directory). */
    public static ConfigOutput config(ServiceProcess.Builder builder, String... extraArgs) {
        List<String> args = new ArrayList<>(List.of("config"));
        args.addAll(List.of(extraArgs));
        try (ServiceProcess p = builder.args(args.toArray(String[]::new)).httpPort(null).waitUntilRunning(false).start()) {
            int rc = p.awaitExit(CONFIG_TIMEOUT).orElseThrow(() -> new AssertionError("microsettle config did not end:\n" + p.tail(40)));
            return parse(rc, p.output());
        }
    }

    static ConfigOutput parse(int rc, List<String> lines) {
        Map<String, ConfigOutput.Row> rows = new LinkedHashMap<>();
        boolean table = false;
        for (String l : lines) {
            if (l.startsWith("PROPERTY ")) {
                table = true;
            } else if (table && l.isBlank()) {
                table = false;
            } else if (table) {
                String[] cols = l.split("\\s{2,}", 3);
                if (cols.length == 3) rows.put(cols[0], new ConfigOutput.Row(cols[1], cols[2]));
            }
        }
        return new ConfigOutput(rc, List.copyOf(lines), rows);
    }
}
