package io.microsettle.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.Collections;
import java.util.List;

import io.microsettle.chain.EscrowCapacity.Verdict;

import org.junit.jupiter.api.Test;

/** The caps rule a planned batch is checked with, in settleBatch's order, at each boundary. */
class EscrowCapacityTest {

    /** 3 payouts at most, 100 per payout, 250 per batch, 1,000 per window of which 200 remain. */
    static EscrowCapacity capacity(boolean paused) {
        return new EscrowCapacity(paused, 3, BigInteger.valueOf(100), BigInteger.valueOf(250), BigInteger.valueOf(1_000),
                86_400, 1_700_000_000, BigInteger.valueOf(800), BigInteger.valueOf(200));
    }

    @Test
    void aBatchWithinEveryCapFits() {
        assertThat(capacity(false).check(List.of(100L, 100L))).isEqualTo(Verdict.FITS);
        assertThat(capacity(false).check(List.of(1L))).isEqualTo(Verdict.FITS);
    }

    @Test
    void eachCapAtItsBoundary() {
        EscrowCapacity c = capacity(false);
        assertThat(c.check(List.of(1L, 1L, 1L))).isEqualTo(Verdict.FITS);
        assertThat(c.check(List.of(1L, 1L, 1L, 1L))).isEqualTo(Verdict.TOO_MANY_PAYOUTS);
        assertThat(c.check(List.of(100L))).isEqualTo(Verdict.FITS);
        assertThat(c.check(List.of(101L))).isEqualTo(Verdict.PAYOUT_OVER_CAP);
        assertThat(c.check(List.of(100L, 100L))).isEqualTo(Verdict.FITS); // 200 = what the window has left
        assertThat(c.check(List.of(100L, 100L, 1L))).isEqualTo(Verdict.WINDOW_OVER_CAP);
        EscrowCapacity roomyWindow = new EscrowCapacity(false, 3, BigInteger.valueOf(100), BigInteger.valueOf(250),
                BigInteger.valueOf(1_000), 86_400, 0, BigInteger.ZERO, BigInteger.valueOf(1_000));
        assertThat(roomyWindow.check(List.of(100L, 100L, 50L))).isEqualTo(Verdict.FITS);
        assertThat(roomyWindow.check(List.of(100L, 100L, 51L))).isEqualTo(Verdict.BATCH_OVER_CAP);
    }

    @Test
    void checksComeInTheContractsOrder() {
        // paused before anything else, the count before amounts, a payout cap before the batch cap
        assertThat(capacity(true).check(List.of(1_000L, 1_000L, 1_000L, 1_000L))).isEqualTo(Verdict.PAUSED);
        assertThat(capacity(false).check(List.of(1_000L, 1L, 1L, 1L))).isEqualTo(Verdict.TOO_MANY_PAYOUTS);
        assertThat(capacity(false).check(List.of(99L, 99L, 101L))).isEqualTo(Verdict.PAYOUT_OVER_CAP);
        assertThat(capacity(false).check(Collections.emptyList())).isEqualTo(Verdict.EMPTY_BATCH);
    }

    @Test
    void totalsBeyondALongDoNotWrap() {
        EscrowCapacity huge = new EscrowCapacity(false, 3, BigInteger.valueOf(Long.MAX_VALUE),
                BigInteger.valueOf(Long.MAX_VALUE), BigInteger.ONE.shiftLeft(127), 86_400, 0, BigInteger.ZERO,
                BigInteger.ONE.shiftLeft(127));
        assertThat(huge.check(List.of(Long.MAX_VALUE, Long.MAX_VALUE))).isEqualTo(Verdict.BATCH_OVER_CAP);
    }

    @Test
    void headroomIsTheSmallerOfBatchCapAndWindowRemaining() {
        assertThat(capacity(false).batchHeadroomBaseUnits()).isEqualTo(BigInteger.valueOf(200));
        EscrowCapacity roomy = new EscrowCapacity(false, 3, BigInteger.TEN, BigInteger.valueOf(250),
                BigInteger.valueOf(1_000), 60, 0, BigInteger.ZERO, BigInteger.valueOf(1_000));
        assertThat(roomy.batchHeadroomBaseUnits()).isEqualTo(BigInteger.valueOf(250));
    }

    @Test
    void refusesNegativeOrZeroInput() {
        assertThatThrownBy(() -> capacity(false).check(List.of(-1L))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> capacity(false).check(List.of(5L, 0L))).hasMessageContaining("positive");
        assertThatThrownBy(() -> new EscrowCapacity(false, 3, BigInteger.ONE, BigInteger.ONE, BigInteger.ONE, 60, 0,
                BigInteger.ZERO, BigInteger.valueOf(-1))).hasMessageContaining("windowRemainingBaseUnits");
        assertThatThrownBy(() -> new EscrowCapacity(false, 3, BigInteger.ONE, BigInteger.ONE, BigInteger.ONE, 0, 0,
                BigInteger.ZERO, BigInteger.ONE)).isInstanceOf(IllegalArgumentException.class);
    }
}
