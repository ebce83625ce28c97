package io.microsettle.settlement;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Replacement fees under a ceiling, and the broadcast backoff (plain rules). */
class FeeBumpAndBackoffTest {
    static final BigInteger GWEI = BigInteger.TEN.pow(9);

    static BigInteger gwei(long n) {
        return GWEI.multiply(BigInteger.valueOf(n));
    }

    @Test
    void aBumpRaisesBothFeesAtLeastTenPercentAndFollowsTheMarketUpToTheCeiling() {
        Eip1559Fees prev = new Eip1559Fees(gwei(2), gwei(40));
        Eip1559Fees b = ((Eip1559Fees.Bumped) prev.bumpedWithin(10, new Eip1559Fees(gwei(1), gwei(10)), gwei(100))).fees();
        assertThat(b.maxPriorityFeePerGasWei()).isEqualTo(gwei(2).multiply(BigInteger.valueOf(11)).divide(BigInteger.TEN));
        assertThat(b.maxFeePerGasWei()).isEqualTo(gwei(44));
        Eip1559Fees m = ((Eip1559Fees.Bumped) prev.bumpedWithin(10, new Eip1559Fees(gwei(5), gwei(90)), gwei(100))).fees();
        assertThat(m.maxFeePerGasWei()).isEqualTo(gwei(90));
        assertThat(m.maxPriorityFeePerGasWei()).isEqualTo(gwei(5));
        // the market above the ceiling: capped there, still a full bump
        Eip1559Fees c = ((Eip1559Fees.Bumped) prev.bumpedWithin(10, new Eip1559Fees(gwei(5), gwei(300)), gwei(100))).fees();
        assertThat(c.maxFeePerGasWei()).isEqualTo(gwei(100));
        assertThat(c.maxFeePerGasWei().multiply(BigInteger.TEN)).isGreaterThanOrEqualTo(prev.maxFeePerGasWei().multiply(BigInteger.valueOf(11)));
    }

    @Test
    void aBumpThatCannotFitUnderTheCeilingIsNotSent() {
        Eip1559Fees prev = new Eip1559Fees(gwei(2), gwei(95));
        Eip1559Fees.Bump b = prev.bumpedWithin(10, new Eip1559Fees(gwei(1), gwei(10)), gwei(100));
        assertThat(b).isEqualTo(new Eip1559Fees.AtCeiling(new BigInteger("104500000000"), gwei(100)));
        assertThatThrownBy(() -> prev.bumpedWithin(9, prev, gwei(100))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void repeatedBumpsGrowGeometricallyAndStopAtTheCeiling() {
        Eip1559Fees f = new Eip1559Fees(gwei(1), gwei(10));
        int bumps = 0;
        while (f.bumpedWithin(15, new Eip1559Fees(BigInteger.ZERO, BigInteger.ZERO), gwei(100)) instanceof Eip1559Fees.Bumped b) {
            assertThat(b.fees().maxFeePerGasWei().multiply(BigInteger.valueOf(100)))
                    .isGreaterThanOrEqualTo(f.maxFeePerGasWei().multiply(BigInteger.valueOf(115)));
            assertThat(b.fees().maxFeePerGasWei()).isLessThanOrEqualTo(gwei(100));
            f = b.fees();
            bumps++;
        }
        assertThat(bumps).isBetween(15, 17); // 10 gwei x 1.15^16 = 93.6 gwei
    }

    @Test
    void backoffDoublesToItsMaximumAndALaneStallsAfterItsThreshold() {
        BroadcastBackoff b = new BroadcastBackoff(1_000, 60_000, 120_000);
        assertThat(b.delayMillis(1)).isEqualTo(1_000);
        assertThat(b.delayMillis(2)).isEqualTo(2_000);
        assertThat(b.delayMillis(6)).isEqualTo(32_000);
        assertThat(b.delayMillis(7)).isEqualTo(60_000);
        assertThat(b.delayMillis(10_000)).isEqualTo(60_000);
        assertThat(b.stalled(0, 119_999)).isFalse();
        assertThat(b.stalled(0, 120_000)).isTrue();
        assertThatThrownBy(() -> b.delayMillis(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BroadcastBackoff(0, 1, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
