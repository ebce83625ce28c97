package io.microsettle;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The embedded defaults: PostgreSQL data and JWT keys persist under the data dir; --fresh wipes them. */
class EmbeddedDefaultsTest {
    static final List<String> PROPS = List.of("microsettle.data-dir", EmbeddedDefaults.JDBC_URL,
            "quarkus.datasource.username", "quarkus.datasource.password", EmbeddedDefaults.JWT_KEY_LOCATION,
            EmbeddedDefaults.JWT_ISSUER, EmbeddedDefaults.VERIFIER_JWKS, EmbeddedDefaults.VERIFIER_ISSUER,
            EmbeddedDefaults.CHAIN_DATA_DIR);

    @AfterEach
    void clear() {
        EmbeddedDefaults.stop();
        PROPS.forEach(System::clearProperty);
    }

    @Test
    void startsReusesAndWipes(@TempDir Path dir) throws Exception {
        PROPS.forEach(System::clearProperty);
        System.setProperty("microsettle.data-dir", dir.resolve("data").toString());
        EmbeddedDefaults.Started first = EmbeddedDefaults.start(false);
        assertThat(first.jdbcUrl()).isPresent();
        assertThat(first.keysDir()).isPresent();
        assertThat(System.getProperty(EmbeddedDefaults.JWT_KEY_LOCATION)).endsWith("jwt-public.pem");
        String publicKey = Files.readString(first.keysDir().get().resolve("jwt-public.pem"));
        assertThat(System.getProperty(EmbeddedDefaults.VERIFIER_JWKS)).endsWith("verifier.jwks.json");
        assertThat(Path.of(System.getProperty(EmbeddedDefaults.VERIFIER_JWKS))).exists();
        assertThat(System.getProperty(EmbeddedDefaults.CHAIN_DATA_DIR))
                .isEqualTo(dir.resolve("data").toAbsolutePath().normalize().resolve("chain").toString());
        try (Connection c = DriverManager.getConnection(first.jdbcUrl().get(), "postgres", "postgres");
             Statement s = c.createStatement()) {
            s.execute("CREATE TABLE kept (v int)");
            s.execute("INSERT INTO kept VALUES (7)");
        }
        EmbeddedDefaults.stop();
        System.clearProperty(EmbeddedDefaults.JDBC_URL);
        System.clearProperty(EmbeddedDefaults.JWT_KEY_LOCATION);

        EmbeddedDefaults.Started second = EmbeddedDefaults.start(false);
        assertThat(Files.readString(second.keysDir().get().resolve("jwt-public.pem"))).isEqualTo(publicKey);
        try (Connection c = DriverManager.getConnection(second.jdbcUrl().get(), "postgres", "postgres");
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT v FROM kept")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(7);
        }
        EmbeddedDefaults.stop();
        System.clearProperty(EmbeddedDefaults.JDBC_URL);
        System.clearProperty(EmbeddedDefaults.JWT_KEY_LOCATION);

        EmbeddedDefaults.Started fresh = EmbeddedDefaults.start(true);
        assertThat(Files.readString(fresh.keysDir().get().resolve("jwt-public.pem"))).isNotEqualTo(publicKey);
        try (Connection c = DriverManager.getConnection(fresh.jdbcUrl().get(), "postgres", "postgres");
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_tables WHERE tablename = 'kept'")) {
            rs.next();
            assertThat(rs.getInt(1)).isZero();
        }
    }

    @Test
    void configuredSettingsAreLeftAlone(@TempDir Path dir) {
        PROPS.forEach(System::clearProperty);
        System.setProperty("microsettle.data-dir", dir.resolve("data").toString());
        System.setProperty(EmbeddedDefaults.JDBC_URL, "jdbc:postgresql://db.invalid/x");
        System.setProperty(EmbeddedDefaults.JWT_KEY_LOCATION, "file:/keys/pub.pem");
        EmbeddedDefaults.Started s = EmbeddedDefaults.start(false);
        assertThat(s.jdbcUrl()).isEmpty();
        assertThat(s.keysDir()).isEmpty();
        assertThat(Files.exists(dir.resolve("data/postgres"))).isFalse();
    }
}
