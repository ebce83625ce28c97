package io.microsettle.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The suites' database choice: Testcontainers exactly when a Docker engine answers, else the embedded PostgreSQL
 * (what runs on machines without an engine); either is a PostgreSQL 14 that takes connections; forcing a
 * container without an engine is refused with the reason.
 */
class TestDatabaseTest {

    @Test
    void aContainerWhenDockerAnswersElseEmbeddedAndEitherIsPostgres14() throws SQLException {
        Optional<String> noDocker = TestDatabase.dockerUnavailable();
        try (TestDatabase db = TestDatabase.start()) {
            System.out.printf("test database: %s (docker: %s)%n", db.describe(), noDocker.orElse("reachable"));
            if (noDocker.isPresent()) assertThat(db).isInstanceOf(TestDatabase.Embedded.class);
            else assertThat(db).isInstanceOf(TestDatabase.Container.class);
            assertThat(serverVersion(db)).startsWith("14.");
        }
    }

    @Test
    void embeddedWhenAskedFor() throws SQLException {
        String before = System.getProperty(TestDatabase.PROPERTY);
        System.setProperty(TestDatabase.PROPERTY, "embedded");
        try (TestDatabase db = TestDatabase.start()) {
            assertThat(db).isInstanceOf(TestDatabase.Embedded.class);
            assertThat(serverVersion(db)).startsWith("14.");
        } finally {
            restore(before);
        }
    }

    @Test
    void aContainerDemandedWithoutAnEngineIsRefusedWithTheReason() {
        Optional<String> noDocker = TestDatabase.dockerUnavailable();
        String before = System.getProperty(TestDatabase.PROPERTY);
        try {
            System.setProperty(TestDatabase.PROPERTY, "nonsense");
            assertThatThrownBy(TestDatabase::start).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("auto, embedded or testcontainers");
            if (noDocker.isPresent()) {
                System.setProperty(TestDatabase.PROPERTY, "testcontainers");
                assertThatThrownBy(TestDatabase::start).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("no Docker engine is reachable").hasMessageContaining(noDocker.get());
            }
        } finally {
            restore(before);
        }
    }

    static String serverVersion(TestDatabase db) throws SQLException {
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.username(), db.password());
             ResultSet rs = c.createStatement().executeQuery("SHOW server_version")) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        }
    }

    static void restore(String before) {
        if (before == null) System.clearProperty(TestDatabase.PROPERTY);
        else System.setProperty(TestDatabase.PROPERTY, before);
    }
}
