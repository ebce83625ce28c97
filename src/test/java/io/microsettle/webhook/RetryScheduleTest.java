package io.microsettle.webhook;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RetryScheduleTest {
    static final RetrySchedule DEFAULTS = new RetrySchedule(30_000, 3_600_000, Duration.ofHours(24), 40);
    static final Instant EVENT = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void doublesFromTheBaseUpToTheCap() {
        List<Long> delays = new ArrayList<>();
        for (int n = 1; n <= 10; n++) delays.add(DEFAULTS.delayMillis(n, 0));
        assertThat(delays).containsExactly(30_000L, 60_000L, 120_000L, 240_000L, 480_000L, 960_000L, 1_920_000L,
                3_600_000L, 3_600_000L, 3_600_000L);
        assertThat(DEFAULTS.delayMillis(10_000, 0)).isEqualTo(3_600_000L); // no overflow far out
    }

    @Test
    void jitterTakesOffAtMostTenPercentAndNeverExceedsTheCap() {
        assertThat(DEFAULTS.delayMillis(1, 0.5)).isEqualTo(28_500L);
        assertThat(DEFAULTS.delayMillis(1, 0.999_999)).isBetween(27_000L, 27_001L);
        assertThat(DEFAULTS.delayMillis(20, 0.999_999)).isBetween(3_240_000L, 3_600_000L);
        for (int n = 1; n < 50; n++) assertThat(DEFAULTS.delayMillis(n, 0.3)).isLessThanOrEqualTo(3_600_000L);
        assertThatThrownBy(() -> DEFAULTS.delayMillis(1, 1.0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DEFAULTS.delayMillis(0, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void retriesWithinTheWindowAndGivesUpBeyondIt() {
        // walk a delivery that always fails: attempts happen at the scheduled times
        Instant now = EVENT;
        int attempts = 0;
        RetrySchedule.Next next;
        while (true) {
            attempts++;
            next = DEFAULTS.afterFailure(attempts, now, EVENT, 0);
            if (!(next instanceof RetrySchedule.Retry r)) break;
            assertThat(r.at()).isAfter(now).isBeforeOrEqualTo(EVENT.plus(Duration.ofHours(24)));
            now = r.at();
        }
        assertThat(next).isInstanceOf(RetrySchedule.GiveUp.class);
        assertThat(((RetrySchedule.GiveUp) next).reason()).contains("retry window");
        // 7 growing delays reach 63.5 min, then hourly: 22 more fit in 24 h, the 30th attempt is the last
        assertThat(attempts).isEqualTo(30);
        assertThat(now).isBefore(EVENT.plus(Duration.ofHours(24))).isAfter(EVENT.plus(Duration.ofHours(23)));
    }

    @Test
    void anEventOlderThanTheWindowIsNotRetried() {
        Instant now = EVENT.plus(Duration.ofHours(24)).minusSeconds(10);
        assertThat(DEFAULTS.afterFailure(1, now, EVENT, 0)).isInstanceOf(RetrySchedule.GiveUp.class);
        assertThat(DEFAULTS.afterFailure(1, now.minusSeconds(30), EVENT, 0)).isInstanceOf(RetrySchedule.Retry.class);
    }

    @Test
    void givesUpAfterMaxAttemptsEvenInsideTheWindow() {
        RetrySchedule three = new RetrySchedule(100, 1_000, Duration.ofHours(24), 3);
        assertThat(three.afterFailure(2, EVENT, EVENT, 0)).isEqualTo(new RetrySchedule.Retry(EVENT.plusMillis(200)));
        assertThat(three.afterFailure(3, EVENT, EVENT, 0)).isInstanceOf(RetrySchedule.GiveUp.class);
    }

    @Test
    void refusesNonsenseParameters() {
        assertThatThrownBy(() -> new RetrySchedule(0, 10, Duration.ofHours(1), 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RetrySchedule(10, 5, Duration.ofHours(1), 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RetrySchedule(10, 50, Duration.ZERO, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RetrySchedule(10, 50, Duration.ofHours(1), 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
