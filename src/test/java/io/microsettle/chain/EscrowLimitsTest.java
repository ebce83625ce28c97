package io.microsettle.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.time.Duration;

import org.junit.jupiter.api.Test;

/** EscrowLimits refuses what the contract's constructor would revert on, with the contract's bounds. */
class EscrowLimitsTest {

    static final BigInteger MAX_UINT128 = BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE);
    static final BigInteger MAX_UINT64 = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    static EscrowLimits limits(long withdrawalDelaySeconds, BigInteger cap, BigInteger windowSeconds, long adminDelaySeconds) {
        return new EscrowLimits(BigInteger.valueOf(withdrawalDelaySeconds), cap, cap, cap, windowSeconds,
                BigInteger.valueOf(adminDelaySeconds));
    }

    @Test
    void devDefaultsUseAShortAdminDelayAndTheFiveArgumentFormTheSafeOne() {
        EscrowLimits dev = EscrowLimits.devDefaults();
        assertThat(dev.adminDelaySeconds()).isEqualTo(BigInteger.valueOf(60));
        assertThat(dev.withdrawalDelaySeconds()).isEqualTo(BigInteger.valueOf(3_600));
        EscrowLimits plain = new EscrowLimits(dev.withdrawalDelaySeconds(), dev.maxPayoutAmount(), dev.maxBatchAmount(),
                dev.windowCapAmount(), dev.windowDurationSeconds());
        assertThat(plain.adminDelaySeconds()).isEqualTo(BigInteger.valueOf(3 * 86_400));
        assertThat(dev.withAdminDelay(Duration.ofMinutes(5)).adminDelaySeconds()).isEqualTo(BigInteger.valueOf(300));
    }

    @Test
    void theWithdrawalDelayHasTheContractsBounds() {
        assertThat(limits(3_600, BigInteger.ONE, BigInteger.ONE, 0).withdrawalDelaySeconds()).isEqualTo(BigInteger.valueOf(3_600));
        assertThat(limits(30 * 86_400, BigInteger.ONE, BigInteger.ONE, 0)).isNotNull();
        assertThatThrownBy(() -> limits(3_599, BigInteger.ONE, BigInteger.ONE, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("withdrawalDelaySeconds");
        assertThatThrownBy(() -> limits(30 * 86_400 + 1, BigInteger.ONE, BigInteger.ONE, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("withdrawalDelaySeconds");
    }

    @Test
    void capsFitIn128BitsAndTheWindowIn64() {
        assertThat(limits(3_600, MAX_UINT128, MAX_UINT64, 0)).isNotNull();
        assertThatThrownBy(() -> limits(3_600, MAX_UINT128.add(BigInteger.ONE), BigInteger.ONE, 0))
                .hasMessageContaining("maxPayoutAmount");
        assertThatThrownBy(() -> limits(3_600, BigInteger.valueOf(-1), BigInteger.ONE, 0))
                .hasMessageContaining("maxPayoutAmount");
        assertThatThrownBy(() -> limits(3_600, BigInteger.ONE, MAX_UINT64.add(BigInteger.ONE), 0))
                .hasMessageContaining("windowDurationSeconds");
        assertThatThrownBy(() -> limits(3_600, BigInteger.ONE, BigInteger.ZERO, 0))
                .hasMessageContaining("windowDurationSeconds");
    }

    @Test
    void theAdminDelayIsAtMost30DaysInWholeSeconds() {
        assertThat(limits(3_600, BigInteger.ONE, BigInteger.ONE, 30 * 86_400)).isNotNull();
        assertThatThrownBy(() -> limits(3_600, BigInteger.ONE, BigInteger.ONE, 30 * 86_400 + 1))
                .hasMessageContaining("adminDelaySeconds");
        assertThatThrownBy(() -> EscrowLimits.devDefaults().withAdminDelay(Duration.ofMillis(1500)))
                .hasMessageContaining("whole seconds");
        assertThatThrownBy(() -> EscrowLimits.devDefaults().withAdminDelay(Duration.ofSeconds(-1)))
                .hasMessageContaining("adminDelaySeconds");
    }
}
