package io.microsettle.settlement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** What bounded a lane's claims in a pass (plain rule). */
class ClaimBoundTest {
    static final int MAX_PER_TICK = 16;

    @Test
    void theTickLimitBindsWhenALaneCreatedTheMostAPassMay() {
        assertThat(ClaimBound.of(true, 16, 16, MAX_PER_TICK)).isEqualTo(ClaimBound.TICK_LIMIT);
    }

    @Test
    void theInFlightRoomBindsWhenItWasUnderThePassLimitAndUsedUp() {
        assertThat(ClaimBound.of(true, 6, 6, MAX_PER_TICK)).isEqualTo(ClaimBound.IN_FLIGHT);
        // every transaction of the lane in flight already: nothing could be claimed
        assertThat(ClaimBound.of(true, 0, 0, MAX_PER_TICK)).isEqualTo(ClaimBound.IN_FLIGHT);
    }

    @Test
    void theQueueBindsWhenItRanDryBeforeAnyLimit() {
        assertThat(ClaimBound.of(true, 5, 6, MAX_PER_TICK)).isEqualTo(ClaimBound.QUEUE);
        assertThat(ClaimBound.of(true, 0, 16, MAX_PER_TICK)).isEqualTo(ClaimBound.QUEUE);
        assertThat(ClaimBound.of(true, 15, 16, MAX_PER_TICK)).isEqualTo(ClaimBound.QUEUE);
    }

    @Test
    void aRetiringLaneClaimsNothingSoNoLimitBindsIt() {
        assertThat(ClaimBound.of(false, 0, 0, MAX_PER_TICK)).isEqualTo(ClaimBound.QUEUE);
        assertThat(ClaimBound.of(false, 0, 16, MAX_PER_TICK)).isEqualTo(ClaimBound.QUEUE);
    }

    @Test
    void moreCreatedThanTheRoomOrNegativeCountsAreRefused() {
        assertThatThrownBy(() -> ClaimBound.of(true, 7, 6, MAX_PER_TICK)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ClaimBound.of(true, -1, 6, MAX_PER_TICK)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ClaimBound.of(true, 0, 6, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aTickTakesItsMostPressingLanesBound() {
        assertThat(ClaimBound.QUEUE.or(ClaimBound.IN_FLIGHT)).isEqualTo(ClaimBound.IN_FLIGHT);
        assertThat(ClaimBound.TICK_LIMIT.or(ClaimBound.IN_FLIGHT)).isEqualTo(ClaimBound.TICK_LIMIT);
        assertThat(ClaimBound.QUEUE.or(ClaimBound.QUEUE)).isEqualTo(ClaimBound.QUEUE);
    }
}
