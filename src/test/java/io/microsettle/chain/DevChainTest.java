package io.microsettle.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.microsettle.infra.ListenPorts;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

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

    @Test
    void aChosenPortThatAnotherProcessTookFirstIsChosenAgain() throws Exception {
        List<Integer> chosen = new ArrayList<>();
        // another process listens on the first port chosen, between the choice and the chain's bind
        try (ServerSocket taken = new ServerSocket(ListenPorts.freeLoopbackPort(), 1, InetAddress.getLoopbackAddress())) {
            DevChain.Options options = DevChain.Options.builder(DevChain.Kind.ANVIL, Path.of("contracts"), dataDir)
                    .startupTimeout(Duration.ofSeconds(30)).build();
            try (DevChain chain = DevChain.start(options, () -> {
                int port = chosen.isEmpty() ? taken.getLocalPort() : ListenPorts.freeLoopbackPort();
                chosen.add(port);
                return port;
            })) {
                assertThat(chosen).hasSize(2);
                assertThat(chain.port()).isEqualTo(chosen.get(1)).isNotEqualTo(taken.getLocalPort());
                Web3j web3j = Web3j.build(new HttpService(chain.rpcUrl()));
                try {
                    assertThat(web3j.ethChainId().send().getChainId()).isEqualTo(BigInteger.valueOf(chain.chainId()));
                } finally {
                    web3j.shutdown();
                }
                assertThat(Files.readString(chain.logFile())).containsIgnoringCase("address already in use");
            }
        }
    }

    @Test
    void anotherChainAnsweringOnTheGivenPortIsNotTakenForThisOne() throws Exception {
        HttpServer impostor = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), ListenPorts.freeLoopbackPort()), 0);
        impostor.createContext("/", exchange -> {
            byte[] body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"impostor/v0\"}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        impostor.start();
        try {
            // Ganache takes seconds to bind (Node starts first), so the impostor answers long before it exits; a port
            // given in the options is not chosen again: the start fails, naming the cause
            assertThatThrownBy(() -> DevChain.Options.builder(DevChain.Kind.GANACHE, Path.of("contracts"), dataDir)
                    .port(impostor.getAddress().getPort()).startupTimeout(Duration.ofSeconds(30)).start())
                    .isInstanceOf(DevChain.DevChainException.class)
                    .hasMessageContaining("exited")
                    .hasMessageContaining("address already in use");
        } finally {
            impostor.stop(0);
        }
    }
}
