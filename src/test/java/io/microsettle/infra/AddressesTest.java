package io.microsettle.infra;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AddressesTest {
    static final String CHECKSUMMED = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";

    @Test
    void anyUniformCaseInChecksummedOut() {
        assertThat(Addresses.normalize(CHECKSUMMED.toLowerCase(), "a")).isEqualTo(CHECKSUMMED);
        assertThat(Addresses.normalize("0x" + CHECKSUMMED.substring(2).toUpperCase(), "a")).isEqualTo(CHECKSUMMED);
        assertThat(Addresses.normalize(CHECKSUMMED, "a")).isEqualTo(CHECKSUMMED);
    }

    @Test
    void badChecksumAndShapesRefused() {
        String bad = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD";
        for (String s : new String[]{bad, "0x123", CHECKSUMMED.substring(2), "0x" + "g".repeat(40), "", null,
                CHECKSUMMED + "00"}) {
            assertThatThrownBy(() -> Addresses.normalize(s, "destination"))
                    .isInstanceOfSatisfying(ApiException.class, e -> {
                        assertThat(e.code()).isEqualTo("invalid_address");
                        assertThat(e.detail()).startsWith("destination");
                    });
        }
    }

    @Test
    void checksumIsWeb3jsEip55() {
        java.util.Random random = new java.util.Random(55);
        for (int i = 0; i < 2_000; i++) {
            String hex = String.format("%040x", new java.math.BigInteger(160, random));
            String any = i % 2 == 0 ? hex : hex.toUpperCase(java.util.Locale.ROOT);
            assertThat(Addresses.checksum(any)).isEqualTo(org.web3j.crypto.Keys.toChecksumAddress("0x" + hex));
        }
        assertThat(Addresses.checksum(CHECKSUMMED.substring(2).toLowerCase(java.util.Locale.ROOT))).isEqualTo(CHECKSUMMED);
        assertThatThrownBy(() -> Addresses.checksum("g".repeat(40))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Addresses.checksum("ab")).isInstanceOf(IllegalArgumentException.class);
    }
}
