package io.microsettle.settlement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import org.junit.jupiter.api.Test;

class Eip1559FeesTest {
    static final BigInteger GWEI = BigInteger.TEN.pow(9);

    @Test
    void maxFeeIsTwiceBaseFeePlusTip() {
        Eip1559Fees f = Eip1559Fees.forBaseFee(GWEI.multiply(BigInteger.valueOf(7)), GWEI, 2, GWEI.multiply(BigInteger.valueOf(500)));
        assertThat(f.maxPriorityFeePerGasWei()).isEqualTo(GWEI);
        assertThat(f.maxFeePerGasWei()).isEqualTo(GWEI.multiply(BigInteger.valueOf(15)));
    }

    @Test
    void ceilingCapsMaxFeeButNotBelowTip() {
        Eip1559Fees f = Eip1559Fees.forBaseFee(GWEI.multiply(BigInteger.valueOf(1000)), GWEI, 2, GWEI.multiply(BigInteger.valueOf(100)));
        assertThat(f.maxFeePerGasWei()).isEqualTo(GWEI.multiply(BigInteger.valueOf(100)));
    }

    @Test
    void bumpRaisesBothByAtLeastTenPercentRoundedUp() {
        Eip1559Fees prev = new Eip1559Fees(BigInteger.valueOf(1_000_000_001L), BigInteger.valueOf(3_000_000_001L));
        Eip1559Fees market = new Eip1559Fees(BigInteger.ONE, BigInteger.TWO);
        Eip1559Fees b = prev.bumped(10, market);
        // 1_000_000_001 * 1.1 = 1_100_000_001.1 -> rounded up
        assertThat(b.maxPriorityFeePerGasWei()).isEqualTo(BigInteger.valueOf(1_100_000_002L));
        assertThat(b.maxFeePerGasWei()).isEqualTo(BigInteger.valueOf(3_300_000_002L));
        assertThat(b.maxPriorityFeePerGasWei().multiply(BigInteger.TEN))
                .isGreaterThanOrEqualTo(prev.maxPriorityFeePerGasWei().multiply(BigInteger.valueOf(11)));
    }

    @Test
    void bumpFollowsMarketWhenHigherAndAddsAtLeastOneWei() {
        Eip1559Fees prev = new Eip1559Fees(BigInteger.ONE, BigInteger.ONE);
        Eip1559Fees b = prev.bumped(10, new Eip1559Fees(BigInteger.ZERO, BigInteger.ZERO));
        assertThat(b.maxPriorityFeePerGasWei()).isEqualTo(BigInteger.TWO);
        assertThat(b.maxFeePerGasWei()).isEqualTo(BigInteger.TWO);
        Eip1559Fees m = prev.bumped(15, new Eip1559Fees(GWEI, GWEI.multiply(BigInteger.valueOf(50))));
        assertThat(m.maxFeePerGasWei()).isEqualTo(GWEI.multiply(BigInteger.valueOf(50)));
        assertThatThrownBy(() -> prev.bumped(5, prev)).isInstanceOf(IllegalArgumentException.class);
    }
}
