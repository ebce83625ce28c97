package io.microsettle.ledger;

import io.microsettle.ledger.EscrowLowAlert.Outcome;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.microsettle.ledger.EscrowLowAlert.evaluate;
import static org.assertj.core.api.Assertions.assertThat;

class EscrowLowAlertTest {
    static BigInteger h(long v) {
        return BigInteger.valueOf(v);
    }

    @Test
    void aCrossingBelowTheThresholdRaisesOnce() {
        assertThat(evaluate(h(999), 1000, false)).isEqualTo(Outcome.RAISE);
        assertThat(evaluate(h(0), 1000, false)).isEqualTo(Outcome.RAISE);
        assertThat(evaluate(h(-5), 1000, false)).isEqualTo(Outcome.RAISE);
        // already marked low: no second alert while it stays low
        assertThat(evaluate(h(999), 1000, true)).isEqualTo(Outcome.NONE);
        assertThat(evaluate(h(1), 1000, true)).isEqualTo(Outcome.NONE);
    }

    @Test
    void atOrAboveTheThresholdClearsAMarkAndOtherwiseDoesNothing() {
        assertThat(evaluate(h(1000), 1000, true)).as("exactly at the threshold is not low").isEqualTo(Outcome.CLEAR);
        assertThat(evaluate(h(1001), 1000, true)).isEqualTo(Outcome.CLEAR);
        assertThat(evaluate(h(1000), 1000, false)).isEqualTo(Outcome.NONE);
        assertThat(evaluate(h(5_000_000), 1000, false)).isEqualTo(Outcome.NONE);
    }

    @Test
    void aThresholdOfZeroOrLessTurnsAlertsOff() {
        assertThat(EscrowLowAlert.enabled(0)).isFalse();
        assertThat(EscrowLowAlert.enabled(-1)).isFalse();
        assertThat(EscrowLowAlert.enabled(1)).isTrue();
        for (long t : new long[]{0, -1, Long.MIN_VALUE}) {
            for (boolean wasLow : new boolean[]{false, true}) {
                assertThat(evaluate(h(-10), t, wasLow)).isEqualTo(Outcome.NONE);
                assertThat(evaluate(h(10), t, wasLow)).isEqualTo(Outcome.NONE);
            }
        }
    }

    @Test
    void headroomBeyondLongRangeIsCompared() {
        BigInteger huge = BigInteger.valueOf(Long.MAX_VALUE).multiply(BigInteger.TEN);
        assertThat(evaluate(huge, Long.MAX_VALUE, true)).isEqualTo(Outcome.CLEAR);
        assertThat(evaluate(huge.negate(), 1, false)).isEqualTo(Outcome.RAISE);
    }

    @Test
    void anOverrideWinsOverTheDefault() {
        Map<String, Long> overrides = Map.of("acme", 5_000L, "quiet", 0L);
        assertThat(EscrowLowAlert.thresholdBaseUnits("acme", 100, overrides)).isEqualTo(5_000);
        assertThat(EscrowLowAlert.thresholdBaseUnits("quiet", 100, overrides)).as("0 turns it off for one integrator").isZero();
        assertThat(EscrowLowAlert.thresholdBaseUnits("other", 100, overrides)).isEqualTo(100);
        assertThat(EscrowLowAlert.thresholdBaseUnits("other", 0, Map.of())).isZero();
    }

    @Test
    void aSequenceOfChecksRaisesOncePerCrossing() {
        // headroom after each check: falls below 1000, stays low, recovers, falls again
        long[] headroom = {5000, 1200, 900, 400, 100, 1000, 3000, 800, 700};
        boolean low = false;
        List<Outcome> outcomes = new ArrayList<>();
        for (long v : headroom) {
            Outcome o = evaluate(h(v), 1000, low);
            outcomes.add(o);
            if (o == Outcome.RAISE) low = true;
            if (o == Outcome.CLEAR) low = false;
        }
        assertThat(outcomes).containsExactly(Outcome.NONE, Outcome.NONE, Outcome.RAISE, Outcome.NONE, Outcome.NONE,
                Outcome.CLEAR, Outcome.NONE, Outcome.RAISE, Outcome.NONE);
    }
}
