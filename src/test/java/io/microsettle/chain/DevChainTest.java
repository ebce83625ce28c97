package io.microsettle.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.http.HttpService;

@Timeout(60)
class DevChainTest {

    @TempDir
    Path dataDir;

    @Test
    void missingNodeModulesGivesAClearMessage(@TempDir Path emptyContracts) {
        for (DevChain.Kind kind : DevChain.Kind.values()) {
            assertThatThrownBy(() -> DevChain.Options.builder(kind, emptyContracts, dataDir).start())
                    .isInstanceOf(DevChain.DevChainException.class)
                    .hasMessageContaining("npm ci");
        }
    }

    @Test
    void aMissingNodeExecutableGivesAClearMessage() {
        assertThatThrownBy(() -> DevChain.Options.builder(DevChain.Kind.GANACHE, Path.of("contracts"), dataDir)
                .nodeExecutable("no-such-node-executable").start())
                .isInstanceOf(DevChain.DevChainException.class)
                .hasMessageContaining("Node.js");
    }

    @Test
    void kindParses() {
        assertThat(DevChain.Kind.parse(" Anvil ")).isEqualTo(DevChain.Kind.ANVIL);
        assertThat(DevChain.Kind.parse("ganache")).isEqualTo(DevChain.Kind.GANACHE);
    }

    @Test
    void anvilWithABlockTimeMinesOnItsOwnAndStopsOnClose() throws Exception {
        long pid;
        try (DevChain chain = DevChain.Options.builder(DevChain.Kind.ANVIL, Path.of("contracts"), dataDir)
                .blockTimeSeconds(1).startupTimeout(Duration.ofSeconds(30)).start()) {
            pid = chain.pid();
            assertThat(chain.isAlive()).isTrue();
            Web3j web3j = Web3j.build(new HttpService(chain.rpcUrl()));
            try {
                BigInteger first = web3j.ethBlockNumber().send().getBlockNumber();
                long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                BigInteger now = first;
                while (now.equals(first) && System.nanoTime() < deadline) {
                    Thread.sleep(200);
                    now = web3j.ethBlockNumber().send().getBlockNumber();
                }
                assertThat(now).isGreaterThan(first);
            } finally {
                web3j.shutdown();
            }
        }
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThat(Files.exists(dataDir.resolve("anvil.log"))).isTrue();
        assertThat(Files.exists(dataDir.resolve("anvil-state.json"))).isTrue();
    }
}
