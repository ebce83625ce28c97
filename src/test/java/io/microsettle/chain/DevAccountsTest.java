package io.microsettle.chain;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DevAccountsTest {
    @Test
    void derivesTheWellKnownDevAddresses() {
        DevAccounts a = DevAccounts.defaults();
        assertThat(a.deployer().getAddress()).isEqualToIgnoringCase("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
        assertThat(a.settler().getAddress()).isEqualToIgnoringCase("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
        assertThat(a.funder().getAddress()).isEqualToIgnoringCase("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC");
        assertThat(a.treasury().getAddress()).isEqualToIgnoringCase("0x90F79bf6EB2c4f870365E785982E1f101E93b906");
        assertThat(a.anchorer().getAddress()).isEqualToIgnoringCase("0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65");
    }
}
