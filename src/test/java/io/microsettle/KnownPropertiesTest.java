package io.microsettle;

import io.smallrye.config.ConfigMapping;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The known microsettle.* names: every feature's mapping, map keys, environment names, hints. */
class KnownPropertiesTest {
    final KnownProperties known = KnownProperties.get();

    @Test
    void everyConfigMappingOfTheServiceIsListed() throws IOException {
        Path classes = Path.of("target", "classes", "io", "microsettle");
        Set<String> mappings;
        try (Stream<Path> files = Files.walk(classes)) {
            mappings = files.map(Path::toString).filter(f -> f.endsWith(".class") && !f.contains("$"))
                    .map(f -> f.substring(f.indexOf("io/microsettle")).replace('/', '.').replace(".class", ""))
                    .filter(KnownPropertiesTest::isMapping).collect(Collectors.toSet());
        }
        assertThat(mappings).isNotEmpty();
        assertThat(KnownProperties.MAPPINGS.stream().map(Class::getName).collect(Collectors.toSet())).isEqualTo(mappings);
    }

    static boolean isMapping(String className) {
        try {
            return Class.forName(className, false, KnownPropertiesTest.class.getClassLoader()).isAnnotationPresent(ConfigMapping.class);
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    @Test
    void namesDefaultsAndMapKeys() {
        assertThat(known.isKnown("microsettle.chain.confirmations")).isTrue();
        assertThat(known.all().get("microsettle.chain.confirmations").defaultValue()).contains("2");
        assertThat(known.all().get("microsettle.chain.confirmations").owner()).contains("ChainConfig");
        assertThat(known.isKnown("microsettle.data-dir")).isTrue();
        assertThat(known.isKnown("microsettle.chain.confirmation")).isFalse();
        assertThat(known.isKnown("microsettle.reconcile.confirmations")).isFalse();
        assertThat(known.isKnown("microsettle.funding.funders.acme")).isTrue();
        assertThat(known.isKnown("microsettle.funding.funders.\"acme.com\"")).isTrue();
        assertThat(known.isKnown("microsettle.funding.low-headroom-overrides.acme")).isTrue();
        assertThat(known.isKnown("microsettle.security.rate-limit.overrides.acme.burst")).isTrue();
        assertThat(known.isKnown("microsettle.security.rate-limit.overrides.acme.brust")).isFalse();
        assertThat(known.isKnown("microsettle.risk.denied-destinations[0]")).isTrue();
    }

    @Test
    void environmentVariablesMapToTheNamesTheySet() {
        assertThat(known.forEnvironmentName("MICROSETTLE_CHAIN_RPC_URL")).contains("microsettle.chain.rpc-url");
        assertThat(known.forEnvironmentName("MICROSETTLE_CHAIN_DEV_DEPLOY_TO_RPC")).contains("microsettle.chain.dev.deploy-to-rpc");
        assertThat(known.forEnvironmentName("MICROSETTLE_SECURITY_RATE_LIMIT_OVERRIDES_ACME_BURST"))
                .contains("microsettle.security.rate-limit.overrides.acme.burst");
        assertThat(known.forEnvironmentName("MICROSETTLE_CHAIN_CONFIRMATION")).isEmpty();
    }

    @Test
    void hintsNameTheNearestOrTheNewName() {
        assertThat(known.nearest("microsettle.chain.confirmation")).contains("microsettle.chain.confirmations");
        assertThat(known.nearest("microsettle.chain.rpcurl")).contains("microsettle.chain.rpc-url");
        assertThat(known.nearest("microsettle.reconcile.confirmations")).contains("microsettle.chain.confirmations");
        assertThat(known.nearest("microsettle.something-else-entirely")).isEmpty();
    }

    @Test
    void theBuiltInApplicationPropertiesNameNoUnknownSetting() throws IOException {
        Properties p = new Properties();
        try (var in = Files.newInputStream(Path.of("src", "main", "resources", "application.properties"))) {
            p.load(in);
        }
        Set<String> unknown = p.stringPropertyNames().stream().map(n -> n.replaceFirst("^%[a-z]+\\.", ""))
                .filter(n -> n.startsWith(KnownProperties.PREFIX)).filter(n -> !known.isKnown(n)).collect(Collectors.toSet());
        assertThat(unknown).isEmpty();
    }

    @Test
    void everyDocumentedNodeConfigPropertyIsRead() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("node-config"))) {
            for (Path f : files.toList()) {
                Properties p = new Properties();
                try (var in = Files.newInputStream(f)) {
                    p.load(in);
                }
                for (String n : p.stringPropertyNames()) {
                    if (n.startsWith(KnownProperties.PREFIX)) assertThat(known.isKnown(n)).as(f + ": " + n).isTrue();
                }
            }
        }
    }

    @Test
    void everyPropertyTheDocsNameIsRead() throws IOException {
        java.util.regex.Pattern quoted = java.util.regex.Pattern.compile("`(microsettle\\.[A-Za-z0-9.<>*_-]+)`");
        List<Path> docs = new java.util.ArrayList<>(List.of(Path.of("README.md")));
        try (Stream<Path> files = Files.list(Path.of("docs"))) {
            files.filter(f -> f.toString().endsWith(".md")).forEach(docs::add);
        }
        int checked = 0;
        for (Path doc : docs) {
            var m = quoted.matcher(Files.readString(doc));
            while (m.find()) {
                String name = m.group(1).replaceAll("<[^>]+>", "x");
                boolean prefix = name.endsWith(".") || name.endsWith("*") || name.chars().filter(c -> c == '.').count() < 2;
                if (prefix || KnownProperties.RENAMED.containsKey(name)) continue;
                assertThat(known.isKnown(name)).as(doc + ": " + name).isTrue();
                checked++;
            }
        }
        assertThat(checked).isGreaterThan(20);
    }
}
