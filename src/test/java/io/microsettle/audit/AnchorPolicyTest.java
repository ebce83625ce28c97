package io.microsettle.audit;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AnchorPolicyTest {
    final AnchorPolicy policy = new AnchorPolicy(100, 60);
    final Instant now = Instant.parse("2026-12-06T04:00:00Z");

    @Test
    void dueAfterNEventsOrTSecondsWhicheverComesFirst() {
        assertThat(policy.due(100, now, now)).as("N events, just logged").isTrue();
        assertThat(policy.due(99, now.minusSeconds(59), now)).as("neither yet").isFalse();
        assertThat(policy.due(1, now.minusSeconds(60), now)).as("T seconds since the oldest unanchored event").isTrue();
        assertThat(policy.due(5_000, now.plusSeconds(10), now)).as("many events, clock skew").isTrue();
    }

    @Test
    void neverDueWithoutNewEvents() {
        assertThat(policy.due(0, null, now)).isFalse();
        assertThat(policy.due(0, now.minusSeconds(3_600), now)).isFalse();
    }

    @Test
    void refusesNonsenseSettings() {
        assertThatThrownBy(() -> new AnchorPolicy(0, 60)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AnchorPolicy(10, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
