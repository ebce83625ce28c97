package io.microsettle.ledger;

import io.microsettle.infra.ApiException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AmountsTest {
    static final long MAX = 1_000_000_000_000L;

    @Test
    void acceptsPlainDigits() {
        assertThat(Amounts.parse("1", "amount", MAX)).isEqualTo(1);
        assertThat(Amounts.parse("1250000", "amount", MAX)).isEqualTo(1_250_000);
        assertThat(Amounts.parse("1000000000000", "amount", MAX)).isEqualTo(MAX);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "0", "00", "-1", "+1", "1.5", "1.0", "1e3", "1E3", " 1", "1 ", "0x10", "01",
            "1000000000001", "99999999999999999999", "9223372036854775808", "١٢", "1_000", "NaN", "Infinity"})
    void refusesEverythingElse(String s) {
        assertThatThrownBy(() -> Amounts.parse(s, "items[0].amount", MAX))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo("invalid_amount");
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.detail()).startsWith("items[0].amount");
                });
    }

    @Test
    void refusesNull() {
        assertThatThrownBy(() -> Amounts.parse(null, "amount", MAX)).isInstanceOf(ApiException.class);
    }
}
