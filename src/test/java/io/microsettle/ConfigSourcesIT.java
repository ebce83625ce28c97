package io.microsettle;

import io.microsettle.testsupport.ServiceFixtures;
import io.microsettle.testsupport.ServiceFixtures.ConfigOutput;
import io.microsettle.testsupport.ServiceProcess;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import static io.microsettle.testsupport.ServiceFixtures.CONTRACTS_DIR;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged service started as a user starts it, configured through each kind of source Quarkus reads: a
 * database named in any of them is used and no embedded PostgreSQL is started; {@code microsettle config} says
 * where each value comes from; an unknown setting stops the start; and the README's first command works.
 */
class ConfigSourcesIT {
    static EmbeddedPostgres server;

    @BeforeAll
    static void startServer() {
        server = ServiceFixtures.postgresServer();
    }

    @AfterAll
    static void stopServer() throws IOException {
        if (server != null) server.close();
    }

    /** How the database's URL, user and password are given. */
    enum SourceKind { CONFIG_LOCATIONS, DOT_ENV, CONFIG_APPLICATION_PROPERTIES, ENVIRONMENT, SYSTEM_PROPERTY }

    /** A service on its own dev chain (Anvil, a block per transaction: quick to deploy to), nothing else configured. */
    static ServiceProcess.Builder service(Path workDir) {
        return ServiceProcess.builder(workDir)
                .systemProperty(CONTRACTS_DIR, ServiceFixtures.contractsDir().toString())
                .systemProperty("microsettle.chain.dev.kind", "anvil")
                .systemProperty("microsettle.chain.dev.block-time-seconds", "0");
    }

    /** Gives the three datasource settings through {@code kind}. */
    static void configureDatabase(ServiceProcess.Builder b, Path workDir, SourceKind kind, Map<String, String> db) throws IOException {
        StringBuilder properties = new StringBuilder();
        db.forEach((k, v) -> properties.append(k).append('=').append(v).append('\n'));
        switch (kind) {
            case CONFIG_LOCATIONS -> {
                Path file = workDir.resolve("elsewhere").resolve("production.properties");
                Files.createDirectories(file.getParent());
                Files.writeString(file, properties);
                b.systemProperty("quarkus.config.locations", file.toString());
            }
            case DOT_ENV -> {
                StringBuilder env = new StringBuilder();
                db.forEach((k, v) -> env.append(KnownProperties.envName(k)).append('=').append(v).append('\n'));
                Files.writeString(workDir.resolve(".env"), env);
            }
            case CONFIG_APPLICATION_PROPERTIES -> {
                Files.createDirectories(workDir.resolve("config"));
                Files.writeString(workDir.resolve("config").resolve("application.properties"), properties);
            }
            case ENVIRONMENT -> db.forEach((k, v) -> b.env(KnownProperties.envName(k), v));
            case SYSTEM_PROPERTY -> db.forEach(b::systemProperty);
        }
    }

    @ParameterizedTest
    @EnumSource(SourceKind.class)
    void aDatabaseNamedInAnySourceIsUsedAndNoneIsEmbedded(SourceKind kind) throws IOException {
        String dbName = "via_" + kind.name().toLowerCase(Locale.ROOT);
        String url = ServiceFixtures.createDatabase(server, dbName, Optional.of(dbName), "pw-" + dbName);
        Path workDir = ServiceFixtures.workDir("db-" + dbName);
        ServiceProcess.Builder b = service(workDir);
        configureDatabase(b, workDir, kind, Map.of("quarkus.datasource.jdbc.url", url,
                "quarkus.datasource.username", dbName, "quarkus.datasource.password", "pw-" + dbName));

        try (ServiceProcess p = b.start()) {
            assertThat(ServiceFixtures.appliedMigrations(url, dbName, "pw-" + dbName)).as(kind + ": migrations in that database")
                    .isNotEmpty().contains("1");
            assertThat(workDir.resolve("data").resolve("postgres")).as(kind + ": no embedded PostgreSQL").doesNotExist();
            assertThat(p.output()).noneMatch(l -> l.contains("EmbeddedPostgres"));
        }
    }

    @Test
    void configShowsEachValueWithItsSourceAndMasksPasswords() throws IOException {
        Path workDir = ServiceFixtures.workDir("config-sources");
        Path located = workDir.resolve("etc").resolve("microsettle.properties");
        Files.createDirectories(located.getParent());
        Files.writeString(located, "quarkus.datasource.jdbc.url=jdbc:postgresql://db.internal:5432/microsettle\n"
                + "quarkus.datasource.password=hunter2-from-a-file\n");
        Files.createDirectories(workDir.resolve("config"));
        Files.writeString(workDir.resolve("config").resolve("application.properties"),
                "microsettle.funding.default-funder=0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC\n"
                        + "quarkus.config.locations=" + located + "\n"
                        + "microsettle.chain.confirmations=5\n");
        // .env below the environment: the environment's confirmations win, the .env's block time shows
        Files.writeString(workDir.resolve(".env"), "MICROSETTLE_CHAIN_DEV_BLOCK_TIME_SECONDS=3\nMICROSETTLE_CHAIN_CONFIRMATIONS=6\n");
        ConfigOutput out = ServiceFixtures.config(ServiceProcess.builder(workDir)
                .systemProperty("microsettle.chain.dev.kind", "anvil")
                .env("MICROSETTLE_CHAIN_CONFIRMATIONS", "7")
                .env("MICROSETTLE_WEBHOOKS_SECRET_ENCRYPTION_KEY", "9uCteJVo7gjDbN07teRNwIzqYE981d7+hLzJ0WJr5g8="));

        assertThat(out.exitCode()).as(out.text()).isZero();
        assertThat(out.row("microsettle.chain.dev.kind")).isEqualTo(row("anvil", "system property"));
        assertThat(out.row("microsettle.chain.confirmations")).isEqualTo(row("7", "environment (MICROSETTLE_CHAIN_CONFIRMATIONS)"));
        assertThat(out.row("microsettle.chain.dev.block-time-seconds")).isEqualTo(row("3", ".env"));
        assertThat(out.row("microsettle.funding.default-funder"))
                .isEqualTo(row("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC", "config/application.properties"));
        assertThat(out.row("quarkus.datasource.jdbc.url"))
                .isEqualTo(row("jdbc:postgresql://db.internal:5432/microsettle", "file:" + located));
        assertThat(out.row("quarkus.datasource.password")).isEqualTo(row(ConfigReport.MASK, "file:" + located));
        assertThat(out.row("microsettle.webhooks.secret-encryption-key"))
                .isEqualTo(row(ConfigReport.MASK, "environment (MICROSETTLE_WEBHOOKS_SECRET_ENCRYPTION_KEY)"));
        assertThat(out.row("microsettle.chain.dev.fund-demo")).isEqualTo(row("true", "default (ChainConfig)"));
        assertThat(out.row("mp.jwt.verify.issuer")).isEqualTo(row("microsettle-dev", "application.properties (built in)"));
        assertThat(out.row("mp.jwt.verify.publickey.location").source()).isEqualTo(ConfigReport.EMBEDDED);
        assertThat(out.text()).doesNotContain("hunter2", "9uCteJVo7gjDbN07");
        assertThat(out.lines()).contains("   400  system property", "   300  environment", "   295  .env",
                "   260  config/application.properties", "   260  file:" + located, "   250  application.properties (built in)");
        // config reads, it embeds and generates nothing
        assertThat(workDir.resolve("data")).doesNotExist();
    }

    static ConfigOutput.Row row(String value, String source) {
        return new ConfigOutput.Row(value, source);
    }

    @Test
    void unknownSettingsAndAMissingConfigFileAreNamedAndTheServiceDoesNotStart() throws IOException {
        Path workDir = ServiceFixtures.workDir("unknown-setting");
        try (ServiceProcess p = service(workDir)
                .systemProperty("microsettle.chain.confirmation", "12")
                .env("MICROSETTLE_SETTLEMENT_INTERVALL", "5s")
                .systemProperty("quarkus.config.locations", "etc/misspelt.properties")
                .waitUntilRunning(false).start()) {
            Optional<Integer> rc = p.awaitExit(Duration.ofSeconds(60));
            assertThat(rc).as(p.tail(30)).isPresent();
            assertThat(rc.get()).isEqualTo(Main.REFUSED);
            assertThat(p.output()).noneMatch(l -> l.contains(ServiceProcess.RUNNING_LINE));
            assertThat(p.output()).anyMatch(l -> l.contains("microsettle.chain.confirmation in system property is not a setting of microsettle:"
                    + " did you mean microsettle.chain.confirmations?"));
            assertThat(p.output()).anyMatch(l -> l.contains("microsettle.settlement.intervall in environment (MICROSETTLE_SETTLEMENT_INTERVALL)"
                    + " is not a setting of microsettle: did you mean microsettle.settlement.interval?"));
            assertThat(p.output()).anyMatch(l -> l.contains("quarkus.config.locations names etc/misspelt.properties, which does not exist"));
        }
        assertThat(workDir.resolve("data")).doesNotExist();
    }

    @Test
    void theReadmesFirstCommandStartsAndItsDemoTokenIsAccepted() {
        Path workDir = ServiceFixtures.workDir("readme-run");
        try (ServiceProcess p = ServiceProcess.builder(workDir)
                .systemProperty(CONTRACTS_DIR, ServiceFixtures.contractsDir().toString()).start()) {
            String token = p.summaryValue("demo integrator token (sub \"demo\")").orElseThrow(() -> new AssertionError(p.tail(30)));
            assertThat(p.summaryValue("chain")).hasValueSatisfying(c -> assertThat(c).startsWith("id 1337, ganache dev chain at"));
            assertThat(ServiceFixtures.get(p.baseUri(), "/v1/cashouts", token)).isEqualTo(200);
            assertThat(ServiceFixtures.get(p.baseUri(), "/v1/cashouts", token + "x")).isEqualTo(401);
            assertThat(workDir.resolve("data").resolve("postgres")).isDirectory();
            assertThat(workDir.resolve("data").resolve("keys").resolve("jwt-public.pem")).exists();
        }
    }
}
