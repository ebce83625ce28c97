package io.microsettle.chain;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.web3j.protocol.core.Response;

/** How {@link CallGas} reads a node's answers (the runs against Anvil and Ganache are in AbstractDevChainTest). */
class CallGasTest {
    static JsonNode json(String s) throws Exception {
        return new ObjectMapper().readTree(s);
    }

    @Test
    void aSimulatedCallIsItsGasWhenItSucceedsAndItsErrorWhenItReverts() throws Exception {
        assertThat(CallGas.simulated(json("[{\"number\":\"0x9\",\"calls\":[{\"status\":\"0x1\",\"gasUsed\":\"0x9e2b49\",\"logs\":[]}]}]")))
                .isEqualTo(new CallGas.Used(10_365_769, "eth_simulateV1"));
        assertThat(CallGas.simulated(json("[{\"calls\":[{\"status\":\"0x0\",\"gasUsed\":\"0x5208\","
                + "\"error\":{\"code\":3,\"message\":\"execution reverted\"}}]}]")))
                .isEqualTo(new CallGas.Reverted("eth_simulateV1: execution reverted"));
        assertThat(CallGas.simulated(json("[{\"calls\":[]}]"))).isInstanceOf(CallGas.Reverted.class);
        assertThat(CallGas.simulated(json("[]"))).isInstanceOf(CallGas.Reverted.class);
        assertThat(CallGas.simulated(null)).isInstanceOf(CallGas.Reverted.class);
    }

    @Test
    void onlyAMissingMethodTurnsSimulationOff() {
        assertThat(CallGas.noSuchMethod(new Response.Error(-32601, "Method not found"))).isTrue();
        // Ganache 7
        assertThat(CallGas.noSuchMethod(new Response.Error(-32000, "The method eth_simulateV1 does not exist/is not available"))).isTrue();
        assertThat(CallGas.noSuchMethod(new Response.Error(-32004, "method not supported"))).isTrue();
        // a revert, a node in trouble, a fault proxy's error: the next batch is simulated again
        assertThat(CallGas.noSuchMethod(new Response.Error(3, "execution reverted"))).isFalse();
        assertThat(CallGas.noSuchMethod(new Response.Error(-32000, "header not found"))).isFalse();
        assertThat(CallGas.noSuchMethod(new Response.Error(-32603, "internal error"))).isFalse();
    }

    @Test
    void theOptimisticLimitAddsTheStipendAndTheSixtyFourthACallKeepsBack() {
        assertThat(CallGas.optimisticLimit(63_000 - CallGas.CALL_STIPEND)).isEqualTo(64_000);
        assertThat(CallGas.optimisticLimit(10_365_769)).isEqualTo((10_365_769 + 2_300) * 64 / 63).isGreaterThan(10_365_769 + 160_000);
    }
}
