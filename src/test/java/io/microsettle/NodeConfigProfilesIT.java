package io.microsettle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.microsettle.chain.ChainClient;
import io.microsettle.chain.DevAccounts;
import io.microsettle.chain.DevChain;
import io.microsettle.chain.contracts.SettlementEscrow;
import io.microsettle.testsupport.ServiceFixtures;
import io.microsettle.testsupport.ServiceFixtures.ConfigOutput;
import io.microsettle.testsupport.ServiceProcess;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.http.HttpService;
import org.web3j.tx.ReadonlyTransactionManager;
import org.web3j.tx.gas.DefaultGasProvider;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import static io.microsettle.testsupport.ServiceFixtures.CONTRACTS_DIR;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dev profiles of {@code node-config/} and docker-compose's service environment, started for real as their
 * own instructions say, each setting checked to be in effect ({@code microsettle config}, and what the service does).
 * (The production example is started in {@link NonDevChainIT}, on a chain that is not a dev chain.)
 */
class NodeConfigProfilesIT {

    @Test
    void anvilProfile() throws Exception {
        startProfile("anvil.properties", "anvil");
    }

    @Test
    void ganacheProfile() throws Exception {
        startProfile("ganache.properties", "ganache");
    }

    /** As the file's first line says: {@code ./microsettle run -Dquarkus.config.locations=node-config/<file>}, from the repository. */
    void startProfile(String fileName, String kind) throws Exception {
        Path workDir = ServiceFixtures.workDir("profile-" + kind);
        Path file = workDir.resolve("node-config").resolve(fileName);
        Files.createDirectories(file.getParent());
        Files.copy(Path.of("node-config", fileName), file);
        assertThat(Files.readAllLines(file).getFirst())
                .isEqualTo("# Use with: ./microsettle run -Dquarkus.config.locations=node-config/" + fileName);
        String option = "-Dquarkus.config.locations=node-config/" + fileName;
        Properties profile = load(file);

        ConfigOutput config = ServiceFixtures.config(ServiceProcess.builder(workDir)
                .systemProperty(CONTRACTS_DIR, ServiceFixtures.contractsDir().toString()), option);
        assertThat(config.exitCode()).as(config.text()).isZero();
        for (String name : profile.stringPropertyNames()) {
            assertThat(config.row(name)).as(name).isEqualTo(new ConfigOutput.Row(profile.getProperty(name), "file:" + file));
        }

        try (ServiceProcess p = ServiceProcess.builder(workDir).args("run", option)
                .systemProperty(CONTRACTS_DIR, ServiceFixtures.contractsDir().toString()).start()) {
            String chain = p.summaryValue("chain").orElseThrow();
            assertThat(chain).startsWith("id " + profile.getProperty("microsettle.chain.chain-id") + ", "
                    + profile.getProperty("microsettle.chain.dev.kind") + " dev chain at ");
            // a block every block-time-seconds with no transaction sent
            Web3j web3j = Web3j.build(new HttpService(chain.substring(chain.indexOf("at ") + 3)));
            try {
                long seconds = Long.parseLong(profile.getProperty("microsettle.chain.dev.block-time-seconds"));
                long before = web3j.ethBlockNumber().send().getBlockNumber().longValueExact();
                Thread.sleep(seconds * 3500);
                long after = web3j.ethBlockNumber().send().getBlockNumber().longValueExact();
                assertThat(after - before).isBetween(2L, 5L);
            } finally {
                web3j.shutdown();
            }
        }
    }

    @Test
    void dockerComposeServiceEnvironment() throws Exception {
        JsonNode compose = new ObjectMapper(new YAMLFactory()).readTree(Path.of("docker-compose.yml").toFile());
        Map<String, String> composeEnv = new LinkedHashMap<>();
        compose.path("services").path("microsettle").path("environment").properties()
                .forEach(e -> composeEnv.put(e.getKey(), e.getValue().asText()));
        assertThat(composeEnv).containsKeys("QUARKUS_DATASOURCE_JDBC_URL", "MICROSETTLE_CHAIN_RPC_URL");
        // every variable sets a property the service reads
        KnownProperties known = KnownProperties.get();
        for (String var : composeEnv.keySet()) {
            Optional<String> name = BootConfig.dottedName(var, known);
            assertThat(name).as(var).isPresent();
            assertThat(known.isKnown(name.get()) || ConfigReport.OTHER_NAMES.contains(name.get())).as(var + " → " + name.get()).isTrue();
        }

        Path workDir = ServiceFixtures.workDir("docker-compose");
        Path volume = workDir.resolve("microsettle-data");
        try (EmbeddedPostgres postgres = ServiceFixtures.postgresServer();
             DevChain ganache = DevChain.Options.builder(DevChain.Kind.GANACHE, ServiceFixtures.contractsDir(), workDir.resolve("ganache"))
                     .chainId(DevAccounts.DEV_CHAIN_ID).blockTimeSeconds(1).start()) {
            String url = ServiceFixtures.createDatabase(postgres, "microsettle", Optional.of("microsettle"), "microsettle");
            Map<String, String> env = new LinkedHashMap<>();
            // the compose file's hosts and volume, here: the test's PostgreSQL and Ganache, a directory
            composeEnv.forEach((k, v) -> env.put(k, v.replace("jdbc:postgresql://postgres:5432/microsettle", url)
                    .replace("http://ganache:8545", ganache.rpcUrl()).replaceFirst("^/data", volume.toString())));
            assertThat(env.get("QUARKUS_DATASOURCE_JDBC_URL")).isEqualTo(url);
            assertThat(env.get("MICROSETTLE_CHAIN_DEV_DEPLOY_TO_RPC")).isEqualTo("true");

            ServiceProcess.Builder configRun = ServiceProcess.builder(workDir);
            env.forEach(configRun::env);
            ConfigOutput config = ServiceFixtures.config(configRun);
            assertThat(config.exitCode()).as(config.text()).isZero();
            env.forEach((var, value) -> assertThat(config.row(BootConfig.dottedName(var, known).orElseThrow()).source())
                    .as(var).isEqualTo("environment (" + var + ")"));

            ServiceProcess.Builder run = ServiceProcess.builder(workDir);
            env.forEach(run::env);
            try (ServiceProcess p = run.start()) {
                assertThat(p.summaryValue("chain")).contains("id 1337");
                String token = p.summaryValue("demo integrator token (sub \"demo\")").orElseThrow();
                assertThat(ServiceFixtures.get(p.baseUri(), "/v1/cashouts", token)).isEqualTo(200);
                assertThat(volume.resolve("chain").resolve("deployment.json")).exists();
                assertThat(volume.resolve("postgres")).doesNotExist();
                assertThat(ServiceFixtures.appliedMigrations(url, "microsettle", "microsettle")).isNotEmpty();
                // deployed and funded: the demo funder's deposit is in the escrow the service reports
                Web3j web3j = Web3j.build(new HttpService(ganache.rpcUrl()));
                try {
                    String funder = DevAccounts.defaults().funder().getAddress();
                    SettlementEscrow escrow = SettlementEscrow.load(p.summaryValue("escrow").orElseThrow(), web3j,
                            new ReadonlyTransactionManager(web3j, funder), new DefaultGasProvider());
                    assertThat(escrow.funderBalance(funder).send()).isEqualTo(ChainClient.DEMO_DEPOSIT);
                } finally {
                    web3j.shutdown();
                }
            }
        }
    }

    static Properties load(Path file) throws IOException {
        Properties p = new Properties();
        try (var in = Files.newInputStream(file)) {
            p.load(in);
        }
        return p;
    }
}
