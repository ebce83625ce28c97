package io.microsettle.settlement;

import static org.assertj.core.api.Assertions.assertThat;

import io.microsettle.settlement.SettlementScheduler.Next;
import org.junit.jupiter.api.Test;

/** When a scheduled run ticks again: at once, after the next block, or at the next interval (plain rule). */
class SettlementSchedulerTest {
    static SettlementService.TickResult tick(ClaimBound bound, long headBlock) {
        return new SettlementService.TickResult(5, 5, 3, bound, headBlock);
    }

    @Test
    void aRunTicksAgainAtOnceOnlyWhileALaneWasFullAndUnderItsLimit() {
        var full = tick(ClaimBound.TICK_LIMIT, 7);
        assertThat(SettlementScheduler.next(full, 1)).isEqualTo(Next.AT_ONCE);
        assertThat(SettlementScheduler.next(full, SettlementScheduler.MAX_TICKS_PER_RUN - 1)).isEqualTo(Next.AT_ONCE);
        // a run is bounded even while the queue stays deep
        assertThat(SettlementScheduler.next(full, SettlementScheduler.MAX_TICKS_PER_RUN)).isEqualTo(Next.AT_INTERVAL);
        // the queue ran dry: the next interval is soon enough
        assertThat(SettlementScheduler.next(tick(ClaimBound.QUEUE, 7), 1)).isEqualTo(Next.AT_INTERVAL);
        // a failed tick (logged) waits for the interval
        assertThat(SettlementScheduler.next(null, 1)).isEqualTo(Next.AT_INTERVAL);
    }

    @Test
    void aRunWhoseLaneUsedUpItsInFlightRoomTicksAgainAfterTheNextBlock() {
        assertThat(SettlementScheduler.next(tick(ClaimBound.IN_FLIGHT, 7), 1)).isEqualTo(Next.AFTER_NEXT_BLOCK);
        assertThat(SettlementScheduler.next(tick(ClaimBound.IN_FLIGHT, 0), SettlementScheduler.MAX_TICKS_PER_RUN - 1))
                .isEqualTo(Next.AFTER_NEXT_BLOCK);
        assertThat(SettlementScheduler.next(tick(ClaimBound.IN_FLIGHT, 7), SettlementScheduler.MAX_TICKS_PER_RUN)).isEqualTo(Next.AT_INTERVAL);
        // no head to wait past: the node's trouble is the next interval's
        assertThat(SettlementScheduler.next(tick(ClaimBound.IN_FLIGHT, -1), 1)).isEqualTo(Next.AT_INTERVAL);
    }
}
