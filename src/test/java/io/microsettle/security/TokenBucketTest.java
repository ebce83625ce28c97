package io.microsettle.security;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TokenBucketTest {
    static final long SECOND = 1_000_000_000L;

    @Test
    void burstThenRefillAtTheRate() {
        TokenBucket b = new TokenBucket(3, 2.0, 0);
        assertThat(b.take(0)).isEqualTo(new TokenBucket.Decision(true, 2, 0));
        assertThat(b.take(0).allowed()).isTrue();
        assertThat(b.take(0)).isEqualTo(new TokenBucket.Decision(true, 0, 0));
        TokenBucket.Decision refused = b.take(0);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.retryAfterSeconds()).isEqualTo(1);
        assertThat(b.take(SECOND / 2 - 1).allowed()).isFalse();
        assertThat(b.take(SECOND / 2).allowed()).isTrue();
        assertThat(b.take(SECOND / 2).allowed()).isFalse();
        // a long idle time never fills past the capacity
        long later = 100 * SECOND;
        for (int i = 0; i < 3; i++) assertThat(b.take(later).allowed()).isTrue();
        assertThat(b.take(later).allowed()).isFalse();
        assertThat(b.fullAt(later)).isFalse();
        assertThat(b.fullAt(later + 2 * SECOND)).isTrue();
    }

    @Test
    void retryAfterIsTheWholeSecondsUntilOneToken() {
        TokenBucket slow = new TokenBucket(1, 0.2, 0);
        assertThat(slow.take(0).allowed()).isTrue();
        assertThat(slow.take(0).retryAfterSeconds()).isEqualTo(5);
        assertThat(slow.take(SECOND).retryAfterSeconds()).isEqualTo(4);
        assertThat(slow.take(4 * SECOND + 1).retryAfterSeconds()).isEqualTo(1);
        assertThat(slow.take(5 * SECOND).allowed()).isTrue();
    }

    @Test
    void clockGoingBackwardsAddsNothing() {
        TokenBucket b = new TokenBucket(1, 1.0, 10 * SECOND);
        assertThat(b.take(10 * SECOND).allowed()).isTrue();
        assertThat(b.take(5 * SECOND).allowed()).isFalse();
    }

    @Test
    void badSettingsAreRefused() {
        assertThatThrownBy(() -> new TokenBucket(0, 1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TokenBucket(1, 0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TokenBucket(1, Double.NaN, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void perCallerBucketsAndOverrides() {
        AtomicLong clock = new AtomicLong();
        RateLimits limits = new RateLimits(new RateLimits.Limit(2, 1), Map.of("big", new RateLimits.Limit(5, 1)), clock::get);
        assertThat(limits.take("a").allowed()).isTrue();
        assertThat(limits.take("a").allowed()).isTrue();
        assertThat(limits.take("a").allowed()).isFalse();
        assertThat(limits.take("b").allowed()).as("another caller has its own bucket").isTrue();
        for (int i = 0; i < 5; i++) assertThat(limits.take("big").allowed()).isTrue();
        assertThat(limits.take("big").allowed()).isFalse();
        clock.addAndGet(SECOND);
        assertThat(limits.take("a").allowed()).isTrue();
        assertThat(limits.take("a").allowed()).isFalse();
    }
}
