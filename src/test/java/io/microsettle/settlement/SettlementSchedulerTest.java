package io.microsettle.settlement;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** When a scheduled run ticks again at once instead of waiting for the next interval (plain rule). */
class SettlementSchedulerTest {

    @Test
    void aRunTicksAgainAtOnceOnlyWhileALaneWasFullAndUnderItsLimit() {
        var full = new SettlementService.TickResult(16, 16, 3, true);
        var drained = new SettlementService.TickResult(5, 5, 3, false);
        assertThat(SettlementScheduler.tickAgain(full, 1)).isTrue();
        assertThat(SettlementScheduler.tickAgain(full, SettlementScheduler.MAX_TICKS_PER_RUN - 1)).isTrue();
        // the queue ran dry, or the in-flight room was used up: the next interval is soon enough
        assertThat(SettlementScheduler.tickAgain(drained, 1)).isFalse();
        // a run is bounded even while the queue stays deep
        assertThat(SettlementScheduler.tickAgain(full, SettlementScheduler.MAX_TICKS_PER_RUN)).isFalse();
        // a failed tick (logged) waits for the interval
        assertThat(SettlementScheduler.tickAgain(null, 1)).isFalse();
    }
}
