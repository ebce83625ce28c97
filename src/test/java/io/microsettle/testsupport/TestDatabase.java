package io.microsettle.testsupport;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.util.Locale;
import java.util.Optional;
import org.flywaydb.core.Flyway;
import org.jboss.logging.Logger;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * The @QuarkusTest suites' PostgreSQL, chosen here and only here (by {@link EmbeddedPostgresResource}): from
 * Testcontainers ({@value #IMAGE}) when a Docker engine is reachable, else the embedded PostgreSQL (zonky, the
 * same major version 14); either with fsync off (durability is not what the suites test). The choice is logged.
 * {@code -Dmicrosettle.test.database=embedded} or {@code =testcontainers} forces one (the latter fails without an engine).
 */
public sealed interface TestDatabase extends AutoCloseable {
    String PROPERTY = "microsettle.test.database";
    String IMAGE = "postgres:14-alpine";
    Logger LOG = Logger.getLogger(TestDatabase.class);

    String jdbcUrl();

    String username();

    String password();

    /** Which kind it is and where, for the log. */
    String describe();

    @Override
    void close();

    /** Applies the service's migrations up to {@code target} (a version, or "latest"): to test a migration over older rows. */
    default void migrateTo(String target) {
        Flyway.configure().dataSource(jdbcUrl(), username(), password()).locations("classpath:db/migration")
                .target(target).load().migrate();
    }

    static TestDatabase start() {
        String wanted = System.getProperty(PROPERTY, "auto").toLowerCase(Locale.ROOT);
        if (!wanted.equals("auto") && !wanted.equals("embedded") && !wanted.equals("testcontainers")) {
            throw new IllegalArgumentException(PROPERTY + " must be auto, embedded or testcontainers, not " + wanted);
        }
        TestDatabase db;
        String why;
        if (wanted.equals("embedded")) {
            db = Embedded.start();
            why = PROPERTY + "=embedded";
        } else {
            Optional<String> noDocker = dockerUnavailable();
            if (noDocker.isEmpty()) {
                db = Container.start();
                why = "a Docker engine is reachable";
            } else if (wanted.equals("testcontainers")) {
                throw new IllegalStateException(PROPERTY + "=testcontainers, but no Docker engine is reachable: " + noDocker.get());
            } else {
                db = Embedded.start();
                why = "no Docker engine is reachable (" + noDocker.get() + ")";
            }
        }
        LOG.infof("test database: %s, because %s", db.describe(), why);
        return db;
    }

    /** Empty when Testcontainers finds a Docker engine that answers; else why not. */
    static Optional<String> dockerUnavailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable() ? Optional.empty()
                    : Optional.of("Testcontainers found no working Docker environment");
        } catch (RuntimeException | LinkageError e) {
            return Optional.of(e.toString());
        }
    }

    /** The embedded PostgreSQL (real binaries from a Maven artifact) in a temp directory. */
    record Embedded(EmbeddedPostgres server) implements TestDatabase {
        static Embedded start() {
            return new Embedded(ServiceFixtures.postgresServer());
        }

        public String jdbcUrl() {
            return server.getJdbcUrl("postgres", "postgres");
        }

        public String username() {
            return "postgres";
        }

        public String password() {
            return "postgres";
        }

        public String describe() {
            return "embedded PostgreSQL on port " + server.getPort();
        }

        public void close() {
            try {
                server.close();
            } catch (IOException ignored) {
                // best effort
            }
        }
    }

    /** PostgreSQL in a container, started by Testcontainers (removed when the tests end). */
    record Container(PostgreSQLContainer container) implements TestDatabase {
        @SuppressWarnings("resource")
        static Container start() {
            PostgreSQLContainer c = new PostgreSQLContainer(IMAGE).withDatabaseName("postgres").withUsername("postgres")
                    .withPassword("postgres")
                    .withCommand("postgres", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                            "-c", "max_connections=300");
            c.start();
            return new Container(c);
        }

        public String jdbcUrl() {
            return container.getJdbcUrl();
        }

        public String username() {
            return container.getUsername();
        }

        public String password() {
            return container.getPassword();
        }

        public String describe() {
            return "PostgreSQL from Testcontainers (" + IMAGE + ") at " + container.getJdbcUrl();
        }

        public void close() {
            container.stop();
        }
    }
}
