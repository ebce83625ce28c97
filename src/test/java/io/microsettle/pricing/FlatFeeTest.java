package io.microsettle.pricing;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FlatFeeTest {
    @Test
    void netPlusFeeIsGross() {
        FlatFee.Outcome o = FlatFee.price(1_000_000, 250_000, 50_000);
        assertThat(o).isEqualTo(new FlatFee.Priced(new FlatFee.Breakdown(1_000_000, 250_000, 50_000, 300_000, 700_000)));
    }

    @Test
    void grossMustExceedFee() {
        assertThat(FlatFee.price(300_000, 250_000, 50_000)).isEqualTo(new FlatFee.TooSmall(300_000, 300_000));
        assertThat(FlatFee.price(300_001, 250_000, 50_000)).isInstanceOf(FlatFee.Priced.class);
        assertThat(FlatFee.price(1, 0, 0)).isInstanceOf(FlatFee.Priced.class);
    }

    @Test
    void badInputsRefused() {
        assertThatThrownBy(() -> FlatFee.price(0, 1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FlatFee.price(10, -1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FlatFee.price(10, Long.MAX_VALUE, 1)).isInstanceOf(ArithmeticException.class);
    }
}
