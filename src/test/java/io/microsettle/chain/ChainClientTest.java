package io.microsettle.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** ChainClient without CDI: the default (no rpc-url) starts Ganache, deploys, funds the demo funder once. */
@Timeout(90)
class ChainClientTest {

    @TempDir
    Path dataDir;

    record Dev(String kind, long blockTimeSeconds, Path contractsDir, String nodeExecutable, int port,
               Duration startupTimeout, String mnemonic, Duration adminDelay, boolean fundDemo, boolean deployToRpc)
            implements ChainConfig.Dev {
        @Override
        public int settlers() {
            return 1;
        }

        @Override
        public Duration anvilStateInterval() {
            return Duration.ofSeconds(30);
        }
    }

    record Keys(Optional<Path> settlerKeystore, Optional<String> settlerPassword,
                Optional<Path> anchorerKeystore, Optional<String> anchorerPassword,
                Optional<Path> deployerKeystore, Optional<String> deployerPassword) implements ChainConfig.Keys {
        @Override
        public Optional<java.util.List<Path>> extraSettlerKeystores() {
            return Optional.empty();
        }

        @Override
        public Optional<Path> pauserKeystore() {
            return Optional.empty();
        }

        @Override
        public Optional<String> pauserPassword() {
            return Optional.empty();
        }
    }

    record Config(Optional<String> rpcUrl, long chainId, Optional<String> escrowAddress,
                  Optional<String> tokenAddress, int confirmations, Path dataDir, ChainConfig.Dev dev,
                  ChainConfig.Keys keys) implements ChainConfig {
        @Override
        public int maxBlockRange() {
            return 2000;
        }

        @Override
        public long startBlock() {
            return 0;
        }
    }

    Config devConfig() {
        return new Config(Optional.empty(), 1337, Optional.empty(), Optional.empty(), 1, dataDir,
                new Dev("ganache", 0, Path.of("contracts"), "node", 0, Duration.ofSeconds(45),
                        DevAccounts.DEFAULT_MNEMONIC, Duration.ofSeconds(60), true, false),
                new Keys(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                        Optional.empty()));
    }

    @Test
    void startsAGanacheDevChainDeploysFundsAndReusesOnRestart() throws Exception {
        String escrow;
        try (ChainClient client = ChainClient.connect(devConfig())) {
            assertThat(client.chainId()).isEqualTo(1337);
            assertThat(client.tokenDecimals()).isEqualTo(6);
            assertThat(client.deployment()).get().extracting(Deployment::reused).isEqualTo(false);
            assertThat(client.settler().getAddress()).isEqualTo(DevAccounts.defaults().settler().getAddress());
            assertThat(client.devFunder()).isPresent();
            escrow = client.escrowAddress();
            assertThat(funderBalance(client)).isEqualTo(ChainClient.DEMO_DEPOSIT);
        }
        try (ChainClient client = ChainClient.connect(devConfig())) {
            assertThat(client.deployment()).get().extracting(Deployment::reused).isEqualTo(true);
            assertThat(client.escrowAddress()).isEqualTo(escrow);
            assertThat(funderBalance(client)).as("funded once").isEqualTo(ChainClient.DEMO_DEPOSIT);
        }
    }

    @Test
    void aRemoteEndpointNeedsItsAddressesAndKeys() {
        try (DevChain chain = DevChain.Options.builder(DevChain.Kind.ANVIL, Path.of("contracts"), dataDir).start()) {
            Config c = devConfig();
            Config remote = new Config(Optional.of(chain.rpcUrl()), 1337, Optional.empty(), Optional.empty(), 1,
                    dataDir, c.dev(), c.keys());
            assertThatThrownBy(() -> ChainClient.connect(remote)).hasMessageContaining("escrow-address");
            Config wrongId = new Config(Optional.of(chain.rpcUrl()), 1, Optional.empty(), Optional.empty(), 1,
                    dataDir, c.dev(), c.keys());
            assertThatThrownBy(() -> ChainClient.connect(wrongId)).hasMessageContaining("chain id mismatch");
        }
    }

    @Test
    void deploysToADevNodeItDidNotStartOnlyWhenAskedAndOnlyOnTheDevChainId() {
        try (DevChain chain = DevChain.Options.builder(DevChain.Kind.ANVIL, Path.of("contracts"), dataDir.resolve("node"))
                .start()) {
            Config c = devConfig();
            Dev d = (Dev) c.dev();
            Dev deploying = new Dev(d.kind(), d.blockTimeSeconds(), d.contractsDir(), d.nodeExecutable(), d.port(),
                    d.startupTimeout(), d.mnemonic(), d.adminDelay(), d.fundDemo(), true);
            Config remote = new Config(Optional.of(chain.rpcUrl()), 1337, Optional.empty(), Optional.empty(), 1,
                    dataDir, deploying, c.keys());
            String escrow;
            try (ChainClient client = ChainClient.connect(remote)) {
                assertThat(client.devChain()).as("no process of its own").isEmpty();
                assertThat(client.deployment()).get().extracting(Deployment::reused).isEqualTo(false);
                assertThat(funderBalance(client)).isEqualTo(ChainClient.DEMO_DEPOSIT);
                escrow = client.escrowAddress();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            try (ChainClient again = ChainClient.connect(remote)) {
                assertThat(again.escrowAddress()).as("reused").isEqualTo(escrow);
            }
        }
        // Anvil's own default chain id (31337) is not the dev chain id: the public dev keys are refused there.
        try (DevChain other = DevChain.Options.builder(DevChain.Kind.ANVIL, Path.of("contracts"), dataDir.resolve("other"))
                .chainId(31337).start()) {
            Config c = devConfig();
            Dev d = (Dev) c.dev();
            Config remote = new Config(Optional.of(other.rpcUrl()), 31337, Optional.empty(), Optional.empty(), 1,
                    dataDir.resolve("other-data"), new Dev(d.kind(), d.blockTimeSeconds(), d.contractsDir(),
                    d.nodeExecutable(), d.port(), d.startupTimeout(), d.mnemonic(), d.adminDelay(), d.fundDemo(), true),
                    c.keys());
            assertThatThrownBy(() -> ChainClient.connect(remote)).hasMessageContaining("refused on chain id 31337");
        }
    }

    private static java.math.BigInteger funderBalance(ChainClient client) throws Exception {
        return client.escrowReader().funderBalance(client.devFunder().orElseThrow().getAddress()).send();
    }
}
