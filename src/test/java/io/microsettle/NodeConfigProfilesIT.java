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
import io.microsettle.testsupport.SharedBackends;
import org.junit.jupiter.api.Test;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.http.HttpService;
import org.web3j.tx.ReadonlyTransactionManager;
import org.web3j.tx.gas.DefaultGasProvider;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.StreamSupport;

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

    static final String REPLICA_1 = SharedBackends.COMPOSE_REPLICA;
    static final String REPLICA_2 = "microsettle-2";
    static final String READINESS_PATH = "/q/health/ready";

    @Test
    void dockerComposeRunsTwoReplicasOfOneServiceWithHealthChecks() throws IOException {
        JsonNode services = compose().path("services");
        assertThat(services.fieldNames()).toIterable().containsExactlyInAnyOrder("postgres", "ganache", REPLICA_1, REPLICA_2);
        for (String name : java.util.List.of("postgres", "ganache", REPLICA_1, REPLICA_2)) {
            assertThat(services.path(name).path("healthcheck").path("test").isArray()).as(name + " has a health check").isTrue();
        }
        JsonNode one = services.path(REPLICA_1);
        JsonNode two = services.path(REPLICA_2);
        assertThat(two.path("environment")).as("the replicas' settings").isEqualTo(one.path("environment"));
        assertThat(two.path("volumes")).as("the replicas share the data volume").isEqualTo(one.path("volumes"));
        assertThat(two.path("healthcheck")).isEqualTo(one.path("healthcheck"));
        assertThat(two.path("image").asText()).isEqualTo(one.path("image").asText()).isNotEmpty();
        assertThat(one.path("healthcheck").path("test").toString()).as("the replicas' health check").contains(READINESS_PATH);
        assertThat(one.path("depends_on").path("postgres").path("condition").asText()).isEqualTo("service_healthy");
        assertThat(one.path("depends_on").path("ganache").path("condition").asText()).isEqualTo("service_healthy");
        // replica 1 deploys on a fresh chain; replica 2 starts once it is healthy and reads the deployment record
        assertThat(two.path("depends_on").path(REPLICA_1).path("condition").asText()).isEqualTo("service_healthy");
        assertThat(one.path("ports").get(0).asText()).isNotEqualTo(two.path("ports").get(0).asText());
        // the database takes both replicas' full pools with room to spare
        Properties defaults = new Properties();
        try (var in = NodeConfigProfilesIT.class.getResourceAsStream("/application.properties")) {
            defaults.load(in);
        }
        int poolSize = Integer.parseInt(defaults.getProperty("quarkus.datasource.jdbc.max-size"));
        String maxConnections = StreamSupport.stream(services.path("postgres").path("command").spliterator(), false)
                .map(JsonNode::asText).filter(a -> a.startsWith("max_connections=")).findFirst().orElse("max_connections=100");
        assertThat(Integer.parseInt(maxConnections.substring("max_connections=".length())))
                .as("PostgreSQL's max_connections against two pools of " + poolSize).isGreaterThan(2 * poolSize + 10);
        // every variable sets a property the service reads
        KnownProperties known = KnownProperties.get();
        for (String var : replicaEnvironment().keySet()) {
            Optional<String> name = BootConfig.dottedName(var, known);
            assertThat(name).as(var).isPresent();
            assertThat(known.isKnown(name.get()) || KnownProperties.OTHER_NAMES.contains(name.get())).as(var + " → " + name.get()).isTrue();
        }
    }

    /**
     * docker-compose's replicas started for real with its environment (its hosts and volume replaced by the test's
     * PostgreSQL, Ganache and a directory): every setting in effect, replica 1 deploys and funds, replica 2 starts on
     * the same database and data, both answer and are ready; replica 1 killed hard, replica 2 takes its leases over.
     */
    @Test
    void dockerComposeReplicasShareTheDatabaseAndTakeOverLeases() throws Exception {
        KnownProperties known = KnownProperties.get();
        Path workDir = ServiceFixtures.workDir("docker-compose");
        try (SharedBackends backends = SharedBackends.start(workDir, DevChain.Kind.GANACHE)) {
            Map<String, String> env = backends.replicaEnvironment();
            assertThat(env.keySet()).isEqualTo(replicaEnvironment().keySet());
            assertThat(env.get("QUARKUS_DATASOURCE_JDBC_URL")).isEqualTo(backends.jdbcUrl);
            assertThat(env.get("MICROSETTLE_CHAIN_DEV_DEPLOY_TO_RPC")).isEqualTo("true");

            ServiceProcess.Builder configRun = ServiceProcess.builder(workDir);
            env.forEach(configRun::env);
            ConfigOutput config = ServiceFixtures.config(configRun);
            assertThat(config.exitCode()).as(config.text()).isZero();
            env.forEach((var, value) -> assertThat(config.row(BootConfig.dottedName(var, known).orElseThrow()).source())
                    .as(var).isEqualTo("environment (" + var + ")"));

            try (ServiceProcess p = backends.replica(REPLICA_1, env).start()) {
                String token = p.summaryValue("demo integrator token (sub \"demo\")").orElseThrow();
                assertDeployedAndServing(p, token, backends.chain, backends.dataDir, backends.jdbcUrl);
                try (ServiceProcess p2 = backends.replica(REPLICA_2, env).start()) {
                    assertThat(p2.summaryValue("escrow")).as("replica 2 uses replica 1's deployment").isEqualTo(p.summaryValue("escrow"));
                    assertThat(ServiceFixtures.get(p2.baseUri(), "/v1/cashouts", token)).as("replica 2, the shared keys' token").isEqualTo(200);
                    assertThat(ServiceFixtures.get(p2.baseUri(), READINESS_PATH, token)).as("replica 2 ready").isEqualTo(200);
                    Map<String, String[]> before = backends.awaitLeases(held -> !held.isEmpty());
                    assertThat(before.values().stream().map(h -> h[0]).distinct()).as("replica 1, started first, holds every lease").hasSize(1);
                    p.kill();
                    // each lease moves to replica 2 once it expires, with a higher fencing number
                    Map<String, String[]> after = backends.awaitLeases(held -> held.keySet().containsAll(before.keySet())
                            && before.entrySet().stream().allMatch(e -> !held.get(e.getKey())[0].equals(e.getValue()[0])));
                    before.forEach((name, was) -> assertThat(Long.parseLong(after.get(name)[1])).as(name + " fence")
                            .isGreaterThan(Long.parseLong(was[1])));
                    assertThat(after.values().stream().map(h -> h[0]).distinct()).as("one holder left").hasSize(1);
                    assertThat(ServiceFixtures.get(p2.baseUri(), "/v1/cashouts", token)).isEqualTo(200);
                }
            }
        }
    }

    private static void assertDeployedAndServing(ServiceProcess p, String token, DevChain ganache, Path volume, String url) throws Exception {
        assertThat(p.summaryValue("chain")).contains("id 1337");
        assertThat(ServiceFixtures.get(p.baseUri(), "/v1/cashouts", token)).isEqualTo(200);
        assertThat(ServiceFixtures.get(p.baseUri(), READINESS_PATH, token)).as("replica 1 ready").isEqualTo(200);
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

    static JsonNode compose() throws IOException {
        return new ObjectMapper(new YAMLFactory()).readTree(Path.of(SharedBackends.COMPOSE_FILE).toFile());
    }

    /** Replica 1's environment (replica 2's is the same: checked above). */
    static Map<String, String> replicaEnvironment() throws IOException {
        Map<String, String> env = SharedBackends.composeEnvironment();
        assertThat(env).containsKeys("QUARKUS_DATASOURCE_JDBC_URL", "MICROSETTLE_CHAIN_RPC_URL");
        return env;
    }

    static Properties load(Path file) throws IOException {
        Properties p = new Properties();
        try (var in = Files.newInputStream(file)) {
            p.load(in);
        }
        return p;
    }
}
