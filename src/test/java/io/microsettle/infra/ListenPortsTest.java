package io.microsettle.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

class ListenPortsTest {

    @Test
    void aChosenPortIsBelowTheEphemeralRangeAndFree() throws Exception {
        for (int i = 0; i < 20; i++) {
            int port = ListenPorts.freeLoopbackPort();
            assertThat(port).isBetween(ListenPorts.LOW, ListenPorts.HIGH - 1);
            try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                assertThat(s.getLocalPort()).isEqualTo(port);
            }
        }
    }

    @Test
    void theChildrensWordsForATakenPortAreRecognised() {
        assertThat(ListenPorts.saysAddressInUse("Error: Address already in use (os error 98)")).isTrue(); // Anvil
        assertThat(ListenPorts.saysAddressInUse("Error: listen EADDRINUSE: address already in use 127.0.0.1:25555.")).isTrue(); // Ganache
        assertThat(ListenPorts.saysAddressInUse("Port 46449 seems to be in use by another process")).isTrue(); // Quarkus
        assertThat(ListenPorts.saysAddressInUse("Error: connection refused")).isFalse();
        assertThat(ListenPorts.saysAddressInUse("Listening on 127.0.0.1:25555")).isFalse();
    }
}
