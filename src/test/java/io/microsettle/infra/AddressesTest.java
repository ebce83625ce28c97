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
}
