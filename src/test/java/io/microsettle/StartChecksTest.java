package io.microsettle;

import io.microsettle.chain.DevAccounts;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/** The refusal rules: local dev chains, dev keys and missing settings on any other chain, unknown properties. */
class StartChecksTest {
    static final Path DATA = Path.of("/srv/app/data");
    static final String SETTLER_ADDRESS = "1111111111111111111111111111111111111111";

    static Function<String, Optional<String>> config(Map<String, String> values) {
        return name -> Optional.ofNullable(values.get(name));
    }

    /** Files that exist, each holding the given wallet address. */
    static StartChecks.Files files(Map<String, String> addressByFile) {
        return new StartChecks.Files() {
            @Override
            public boolean exists(Path file) {
                return addressByFile.containsKey(file.toString());
            }

            @Override
            public Optional<String> keystoreAddress(Path file) {
                return Optional.ofNullable(addressByFile.get(file.toString()));
            }
        };
    }

    static Map<String, String> production() {
        Map<String, String> m = new HashMap<>();
        m.put("microsettle.chain.rpc-url", "https://rpc.example.net");
        m.put("microsettle.chain.chain-id", "8453");
        m.put("microsettle.chain.escrow-address", "0x00000000000000000000000000000000000000e5");
        m.put("microsettle.chain.token-address", "0x00000000000000000000000000000000000000f0");
        m.put("microsettle.chain.keys.settler-keystore", "/keys/settler.json");
        m.put("microsettle.chain.keys.anchorer-keystore", "/keys/anchorer.json");
        m.put("mp.jwt.verify.publickey.location", "https://idp.example.net/jwks.json");
        m.put("mp.jwt.verify.issuer", "https://idp.example.net/");
        m.put("microsettle.account.verifier-jwks", "/keys/verifiers.jwks.json");
        m.put("microsettle.account.verifier-issuer", "https://kyc.example.net/");
        return m;
    }

    static final StartChecks.Files KEYSTORES = files(Map.of("/keys/settler.json", SETTLER_ADDRESS,
            "/keys/anchorer.json", "0x2222222222222222222222222222222222222222"));

    @Test
    void localDevChainsAreTheOwnOneAndADevNodeDeployedTo() {
        assertThat(StartChecks.localDevChain(config(Map.of()))).isTrue();
        assertThat(StartChecks.localDevChain(config(Map.of("microsettle.chain.chain-id", "8453")))).isTrue();
        assertThat(StartChecks.localDevChain(config(Map.of("microsettle.chain.rpc-url", "http://ganache:8545",
                "microsettle.chain.dev.deploy-to-rpc", "true")))).isTrue();
        assertThat(StartChecks.localDevChain(config(Map.of("microsettle.chain.rpc-url", "http://ganache:8545")))).isFalse();
        assertThat(StartChecks.localDevChain(config(Map.of("microsettle.chain.rpc-url", "http://node:8545",
                "microsettle.chain.chain-id", "8453", "microsettle.chain.dev.deploy-to-rpc", "true")))).isFalse();
    }

    @Test
    void aLocalDevChainMayUseEveryDevKey() {
        assertThat(StartChecks.devKeyProblems(config(Map.of("mp.jwt.verify.issuer", "microsettle-dev")), DATA, files(Map.of()))).isEmpty();
    }

    @Test
    void aFullyConfiguredChainHasNoProblem() {
        assertThat(StartChecks.devKeyProblems(config(production()), DATA, KEYSTORES)).isEmpty();
    }

    @Test
    void aRealChainWithNothingConfiguredNamesEverySettingAtOnce() {
        Map<String, String> m = Map.of("microsettle.chain.rpc-url", "https://rpc.example.net", "microsettle.chain.chain-id", "8453",
                "mp.jwt.verify.issuer", "microsettle-dev");
        List<String> problems = StartChecks.devKeyProblems(config(m), DATA, files(Map.of()));
        assertThat(problems).hasSize(8);
        assertThat(String.join("\n", problems)).contains("mp.jwt.verify.publickey.location is not set", "/srv/app/data/keys",
                "mp.jwt.verify.issuer is the dev issuer microsettle-dev", "microsettle.account.verifier-jwks is not set",
                "microsettle.account.verifier-issuer is not set", "microsettle.chain.escrow-address is not set",
                "microsettle.chain.token-address is not set", "microsettle.chain.keys.settler-keystore is not set",
                "microsettle.chain.keys.anchorer-keystore is not set");
        assertThat(String.join("\n", problems)).doesNotContain("deployer-keystore");
    }

    @Test
    void devKeyFilesAndIssuersAreRefused() {
        Map<String, String> m = production();
        m.put("mp.jwt.verify.publickey.location", "file:///srv/app/data/keys/jwt-public.pem");
        m.put("microsettle.account.verifier-jwks", "/keys/kyc.json, /srv/app/data/keys/verifier.jwks.json");
        m.put("microsettle.account.verifier-issuer", "microsettle-dev-verifier");
        List<String> problems = StartChecks.devKeyProblems(config(m), DATA, files(Map.of("/keys/settler.json", SETTLER_ADDRESS,
                "/keys/anchorer.json", "22")));
        assertThat(problems).containsExactly(
                "mp.jwt.verify.publickey.location is the dev key file:///srv/app/data/keys/jwt-public.pem"
                        + " (set it to the identity provider's JWKS URL, or a PEM or JWKS file)",
                "microsettle.account.verifier-jwks lists the dev verifier's JWKS /srv/app/data/keys/verifier.jwks.json",
                "microsettle.account.verifier-issuer is the dev verifier's issuer microsettle-dev-verifier (set the trusted verifier's issuer)");
    }

    @Test
    void anInlineCallerKeyIsAKey() {
        Map<String, String> m = production();
        m.remove("mp.jwt.verify.publickey.location");
        m.put("mp.jwt.verify.publickey", "-----BEGIN PUBLIC KEY-----...");
        assertThat(StartChecks.devKeyProblems(config(m), DATA, KEYSTORES)).isEmpty();
    }

    @Test
    void keystoresMustExistAndHoldNoDevMnemonicKey() {
        Map<String, String> m = production();
        m.put("microsettle.chain.keys.deployer-keystore", "/keys/deployer.json");
        String devSettler = DevAccounts.defaults().settler().getAddress().toUpperCase().replace("0X", "0x");
        List<String> problems = StartChecks.devKeyProblems(config(m), DATA,
                files(Map.of("/keys/settler.json", devSettler, "/keys/anchorer.json", "2222222222222222222222222222222222222222")));
        assertThat(problems).containsExactly(
                "microsettle.chain.keys.settler-keystore holds a key of the public dev mnemonic (0x"
                        + devSettler.substring(2).toLowerCase() + ")",
                "microsettle.chain.keys.deployer-keystore names /keys/deployer.json, which does not exist");
    }

    @Test
    void aConfiguredMnemonicsKeysCountAsDevKeysToo() {
        String other = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
        Map<String, String> m = production();
        m.put("microsettle.chain.dev.mnemonic", other);
        String fifth = DevAccounts.derive(other, 5).getAddress();
        List<String> problems = StartChecks.devKeyProblems(config(m), DATA,
                files(Map.of("/keys/settler.json", SETTLER_ADDRESS, "/keys/anchorer.json", fifth)));
        assertThat(problems).singleElement().asString().startsWith("microsettle.chain.keys.anchorer-keystore holds a key");
    }

    @Test
    void deployingWithTheDevKeysToARealChainIsRefused() {
        Map<String, String> m = production();
        m.remove("microsettle.chain.escrow-address");
        m.put("microsettle.chain.dev.deploy-to-rpc", "true");
        assertThat(StartChecks.devKeyProblems(config(m), DATA, KEYSTORES)).containsExactly(
                "microsettle.chain.dev.deploy-to-rpc is true: it deploys with the public dev mnemonic's keys, on chain id 1337 only (this chain: 8453)",
                "microsettle.chain.escrow-address is not set (the deployed contract's address on chain id 8453)");
    }

    @Test
    void unknownPropertiesAreNamedWithTheirSourceAndTheNearestName() {
        List<String> problems = StartChecks.unknownProperties(List.of(
                new BootConfig.Seen("microsettle.chain.confirmation", "microsettle.chain.confirmation", "file:/etc/m.properties"),
                new BootConfig.Seen("microsettle.reconcile.confirmations", "MICROSETTLE_RECONCILE_CONFIRMATIONS",
                        "environment (MICROSETTLE_RECONCILE_CONFIRMATIONS)"),
                new BootConfig.Seen("microsettle.zzz", "%prod.microsettle.zzz", ".env")), KnownProperties.get());
        assertThat(problems).containsExactly(
                "microsettle.chain.confirmation in file:/etc/m.properties is not a setting of microsettle: did you mean microsettle.chain.confirmations?",
                "microsettle.reconcile.confirmations in environment (MICROSETTLE_RECONCILE_CONFIRMATIONS) is not a setting of microsettle:"
                        + " it is now microsettle.chain.confirmations",
                "microsettle.zzz (written %prod.microsettle.zzz) in .env is not a setting of microsettle");
    }

    @Test
    void configLocationsThatDoNotExistAreNamed() {
        StartChecks.Files f = files(Map.of("/srv/app/node-config/anvil.properties", "", "/etc/m.properties", ""));
        assertThat(StartChecks.missingLocations(Optional.of("node-config/anvil.properties, file:/etc/m.properties,"
                + " /etc/typo.properties, classpath:x.properties, https://config/x.properties"), Path.of("/srv/app"), f))
                .containsExactly("quarkus.config.locations names /etc/typo.properties, which does not exist");
        assertThat(StartChecks.missingLocations(Optional.empty(), Path.of("/srv/app"), f)).isEmpty();
    }

    @Test
    void fileLocationsInsideTheDataDir() {
        assertThat(StartChecks.isUnder("/srv/app/data/keys/x.pem", DATA.resolve("keys"))).isTrue();
        assertThat(StartChecks.isUnder("file:/srv/app/data/keys/x.pem", DATA.resolve("keys"))).isTrue();
        assertThat(StartChecks.isUnder("/srv/app/data/keys/../../keys/x.pem", DATA.resolve("keys"))).isFalse();
        assertThat(StartChecks.isUnder("https://srv/app/data/keys/x.pem", DATA.resolve("keys"))).isFalse();
        assertThat(Set.of(StartChecks.normalAddress("0xABcd"))).containsExactly("abcd");
    }
}
