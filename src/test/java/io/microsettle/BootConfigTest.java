package io.microsettle;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Where a value comes from, in words; environment variables back to the property they set. */
class BootConfigTest {
    static final Path WD = Path.of("/srv/app");

    static String describe(String source, int ordinal, String property, Map<String, String> env) {
        return BootConfig.describe(source, ordinal, property, "prod", env, WD);
    }

    @Test
    void eachSourceKindInWords() {
        assertThat(describe("SysPropConfigSource", 400, "a.b", Map.of())).isEqualTo("system property");
        assertThat(describe("EnvConfigSource", 300, "microsettle.chain.rpc-url", Map.of("MICROSETTLE_CHAIN_RPC_URL", "x")))
                .isEqualTo("environment (MICROSETTLE_CHAIN_RPC_URL)");
        assertThat(describe("EnvConfigSource", 300, "microsettle.chain.rpc-url", Map.of("_PROD_MICROSETTLE_CHAIN_RPC_URL", "x",
                "MICROSETTLE_CHAIN_RPC_URL", "y"))).isEqualTo("environment (_PROD_MICROSETTLE_CHAIN_RPC_URL)");
        assertThat(describe("EnvConfigSource[source=file:/srv/app/.env]", 295, "a", Map.of())).isEqualTo(".env");
        assertThat(describe("EnvConfigSource[source=file:/elsewhere/.env]", 295, "a", Map.of())).isEqualTo("file:/elsewhere/.env");
        assertThat(describe("PropertiesConfigSource[source=file:/srv/app/config/application.properties]", 260, "a", Map.of()))
                .isEqualTo("config/application.properties");
        assertThat(describe("PropertiesConfigSource[source=file:///etc/microsettle/production.properties]", 260, "a", Map.of()))
                .isEqualTo("file:/etc/microsettle/production.properties");
        assertThat(describe("PropertiesConfigSource[source=jar:file:///srv/app/app/m.jar!/application.properties]", 250, "a", Map.of()))
                .isEqualTo("application.properties (built in)");
        assertThat(describe("DefaultValuesConfigSource", Integer.MIN_VALUE, "a", Map.of())).isEqualTo("default");
    }

    @Test
    void namesAsWrittenBecomeDottedNames() {
        KnownProperties k = KnownProperties.get();
        assertThat(BootConfig.dottedName("%prod.microsettle.chain.rpc-url", k)).contains("microsettle.chain.rpc-url");
        assertThat(BootConfig.dottedName("MICROSETTLE_CHAIN_RPC_URL", k)).contains("microsettle.chain.rpc-url");
        assertThat(BootConfig.dottedName("_PROD_MICROSETTLE_CHAIN_KEYS_SETTLER_PASSWORD", k)).contains("microsettle.chain.keys.settler-password");
        assertThat(BootConfig.dottedName("MICROSETTLE_FUNDING_FUNDERS_ACME", k)).contains("microsettle.funding.funders.acme");
        assertThat(BootConfig.dottedName("QUARKUS_DATASOURCE_JDBC_URL", k)).contains("quarkus.datasource.jdbc.url");
        assertThat(BootConfig.dottedName("MICROSETTLE_CHAIN_CONFIRMATION", k)).contains("microsettle.chain.confirmation");
        assertThat(BootConfig.dottedName("PATH", k)).isEmpty();
        assertThat(BootConfig.dottedName("MICROSETTLE_JAVA_OPTS", k)).as("the launcher's").isEmpty();
        assertThat(BootConfig.dottedName("Path_x", k)).isEmpty();
    }
}
