package io.microsettle;

import io.microsettle.security.JwtMinter;
import io.microsettle.security.Roles;
import io.microsettle.testsupport.RealChainFixture;
import io.microsettle.testsupport.ServiceFixtures;
import io.microsettle.testsupport.ServiceFixtures.ConfigOutput;
import io.microsettle.testsupport.ServiceProcess;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged service on a chain that is not a local dev chain (Anvil with chain id 8453, contracts deployed by
 * the test with fresh keys): refused at start while any key would be a dev one or missing, started once every
 * key is configured, and started from {@code node-config/production.example.properties} as its first line says.
 */
class NonDevChainIT {
    static final String ISSUER = "https://idp.test/";
    static RealChainFixture real;
    static EmbeddedPostgres server;

    @BeforeAll
    static void start() throws Exception {
        server = ServiceFixtures.postgresServer();
        real = new RealChainFixture(ServiceFixtures.workDir("real-chain"));
    }

    @AfterAll
    static void stop() throws IOException {
        if (real != null) real.close();
        if (server != null) server.close();
    }

    /** The chain and its contracts, and a database: no caller keys, verifiers or keystores. */
    static ServiceProcess.Builder chainOnly(Path workDir, String dbUrl) {
        return ServiceProcess.builder(workDir)
                .systemProperty("microsettle.chain.rpc-url", real.chain.rpcUrl())
                .systemProperty("microsettle.chain.chain-id", Long.toString(RealChainFixture.CHAIN_ID))
                .systemProperty("microsettle.chain.escrow-address", real.deployment.escrow())
                .systemProperty("microsettle.chain.token-address", real.deployment.token())
                .systemProperty("quarkus.datasource.jdbc.url", dbUrl)
                .systemProperty("quarkus.datasource.username", "postgres")
                .systemProperty("quarkus.datasource.password", "postgres");
    }

    @Test
    void withoutKeysTheStartIsRefusedNamingEveryMissingSetting() {
        Path workDir = ServiceFixtures.workDir("non-dev-refused");
        String url = ServiceFixtures.createDatabase(server, "refused", Optional.empty(), "");
        try (ServiceProcess p = chainOnly(workDir, url).waitUntilRunning(false).start()) {
            Optional<Integer> rc = p.awaitExit(Duration.ofSeconds(60));
            assertThat(rc).as(p.tail(30)).contains(Main.REFUSED);
            String out = String.join("\n", p.output());
            assertThat(out).doesNotContain(ServiceProcess.RUNNING_LINE);
            assertThat(out).contains("microsettle: refusing to start",
                    "mp.jwt.verify.publickey.location is not set", "mp.jwt.verify.issuer is the dev issuer microsettle-dev",
                    "microsettle.account.verifier-jwks is not set", "microsettle.account.verifier-issuer is not set",
                    "microsettle.chain.keys.settler-keystore is not set", "microsettle.chain.keys.anchorer-keystore is not set");
        }
        // refused before anything was embedded or generated
        assertThat(workDir.resolve("data")).doesNotExist();
        assertThat(ServiceFixtures.appliedMigrations(url, "postgres", "postgres")).isEmpty();
    }

    @Test
    void withEveryKeyConfiguredItStarts() {
        Path workDir = ServiceFixtures.workDir("non-dev-configured");
        String url = ServiceFixtures.createDatabase(server, "configured", Optional.empty(), "");
        try (ServiceProcess p = chainOnly(workDir, url)
                .systemProperty("microsettle.chain.keys.settler-keystore", real.settlerKeystore.toString())
                .systemProperty("microsettle.chain.keys.anchorer-keystore", real.anchorerKeystore.toString())
                .env("MICROSETTLE_CHAIN_KEYS_SETTLER_PASSWORD", RealChainFixture.KEYSTORE_PASSWORD)
                .env("MICROSETTLE_CHAIN_KEYS_ANCHORER_PASSWORD", RealChainFixture.KEYSTORE_PASSWORD)
                .systemProperty("mp.jwt.verify.publickey.location", real.callerPublicKey.toString())
                .systemProperty("mp.jwt.verify.issuer", ISSUER)
                .systemProperty("microsettle.account.verifier-jwks", real.verifierJwks.toString())
                .systemProperty("microsettle.account.verifier-issuer", "https://kyc.test/")
                .start()) {
            assertThat(p.summaryValue("chain")).contains("id " + RealChainFixture.CHAIN_ID);
            assertThat(p.summaryValue("escrow")).hasValueSatisfying(e -> assertThat(e).isEqualToIgnoringCase(real.deployment.escrow()));
            assertThat(p.output()).noneMatch(l -> l.contains("demo integrator token"));
            String token = JwtMinter.mint(real.callerKey(), ISSUER, "acme", List.of(Roles.INTEGRATOR), 600);
            assertThat(ServiceFixtures.get(p.baseUri(), "/v1/cashouts", token)).isEqualTo(200);
            assertThat(ServiceFixtures.appliedMigrations(url, "postgres", "postgres")).isNotEmpty();
        }
        assertThat(workDir.resolve("data")).doesNotExist();
    }

    @Test
    void theProductionExampleStartsAsItsFirstLineSaysWithEachPropertyInEffect() throws IOException {
        Path workDir = ServiceFixtures.workDir("production-example");
        String url = ServiceFixtures.createDatabase(server, "microsettle", Optional.of("microsettle"), "db-secret");
        Properties example = load(Path.of("node-config", "production.example.properties"));
        // the placeholders that name this machine's servers and files; every other value is used as written
        Map<String, String> placeholders = Map.of(
                "quarkus.datasource.jdbc.url", url,
                "microsettle.chain.rpc-url", real.chain.rpcUrl(),
                "microsettle.chain.escrow-address", real.deployment.escrow(),
                "microsettle.chain.token-address", real.deployment.token(),
                "microsettle.chain.keys.settler-keystore", real.settlerKeystore.toString(),
                "microsettle.chain.keys.anchorer-keystore", real.anchorerKeystore.toString(),
                "mp.jwt.verify.publickey.location", real.callerPublicKey.toString(),
                "microsettle.account.verifier-jwks", real.verifierJwks.toString());
        assertThat(example.stringPropertyNames()).containsAll(placeholders.keySet());
        Map<String, String> expected = new LinkedHashMap<>();
        example.stringPropertyNames().forEach(n -> expected.put(n, placeholders.getOrDefault(n, example.getProperty(n))));
        Path file = workDir.resolve("production.properties");
        Files.writeString(file, filledIn(Files.readString(Path.of("node-config", "production.example.properties")), placeholders));
        // MICROSETTLE_JAVA_OPTS=-Dquarkus.config.locations=<file> ./microsettle run, with the passwords in the environment
        // (the launcher puts MICROSETTLE_JAVA_OPTS on the java command line, and leaves it in the environment)
        Map<String, String> env = Map.of("MICROSETTLE_JAVA_OPTS", "-Dquarkus.config.locations=" + file,
                "QUARKUS_DATASOURCE_PASSWORD", "db-secret",
                "MICROSETTLE_CHAIN_KEYS_SETTLER_PASSWORD", RealChainFixture.KEYSTORE_PASSWORD,
                "MICROSETTLE_CHAIN_KEYS_ANCHORER_PASSWORD", RealChainFixture.KEYSTORE_PASSWORD);

        ServiceProcess.Builder configRun = ServiceProcess.builder(workDir).jvmOption("-Dquarkus.config.locations=" + file);
        env.forEach(configRun::env);
        ConfigOutput config = ServiceFixtures.config(configRun);
        assertThat(config.exitCode()).as(config.text()).isZero();
        expected.forEach((name, value) -> assertThat(config.row(name)).as(name)
                .isEqualTo(new ConfigOutput.Row(ConfigReport.mask(name, value), "file:" + file.toAbsolutePath().normalize())));
        assertThat(config.row("quarkus.datasource.password"))
                .isEqualTo(new ConfigOutput.Row(ConfigReport.MASK, "environment (QUARKUS_DATASOURCE_PASSWORD)"));
        assertThat(config.row("microsettle.chain.keys.settler-password").source())
                .isEqualTo("environment (MICROSETTLE_CHAIN_KEYS_SETTLER_PASSWORD)");

        ServiceProcess.Builder run = ServiceProcess.builder(workDir).jvmOption("-Dquarkus.config.locations=" + file);
        env.forEach(run::env);
        try (ServiceProcess p = run.start()) {
            assertThat(p.summaryValue("chain")).contains("id " + expected.get("microsettle.chain.chain-id"));
            assertThat(p.summaryValue("escrow")).hasValueSatisfying(e -> assertThat(e).isEqualToIgnoringCase(real.deployment.escrow()));
            assertThat(p.summaryValue("token")).hasValueSatisfying(t -> assertThat(t).startsWithIgnoringCase(real.deployment.token()));
            assertThat(ServiceFixtures.appliedMigrations(url, "microsettle", "db-secret")).isNotEmpty();
            String token = JwtMinter.mint(real.callerKey(), expected.get("mp.jwt.verify.issuer"), "acme", List.of(Roles.INTEGRATOR), 600);
            assertThat(ServiceFixtures.get(p.baseUri(), "/v1/cashouts", token)).isEqualTo(200);
            String otherIssuer = JwtMinter.mint(real.callerKey(), ISSUER, "acme", List.of(Roles.INTEGRATOR), 600);
            assertThat(ServiceFixtures.get(p.baseUri(), "/v1/cashouts", otherIssuer)).isEqualTo(401);
        }
        assertThat(workDir.resolve("data")).doesNotExist();
    }

    static Properties load(Path file) throws IOException {
        Properties p = new Properties();
        try (var in = Files.newInputStream(file)) {
            p.load(in);
        }
        return p;
    }

    /** The example with each placeholder's value replaced, comments and the rest as written. */
    static String filledIn(String example, Map<String, String> values) {
        StringBuilder sb = new StringBuilder();
        for (String line : example.split("\n", -1)) {
            int eq = line.indexOf('=');
            String key = eq > 0 && !line.startsWith("#") ? line.substring(0, eq).trim() : null;
            sb.append(key != null && values.containsKey(key) ? key + "=" + values.get(key) : line).append('\n');
        }
        return sb.toString();
    }
}
