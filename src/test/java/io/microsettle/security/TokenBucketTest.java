package io.microsettle.security;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TokenBucketTest {
    static final long SECOND = 1_000_000L;
    static final long NONE = Long.MIN_VALUE;

    /** Drives a bucket through a sequence of request times, keeping its TAT as the store would. */
    static final class Driven {
        final TokenBucket bucket;
        long tat = NONE;

        Driven(TokenBucket bucket) {
            this.bucket = bucket;
        }

        TokenBucket.Decision at(long nowMicros) {
            TokenBucket.Decision d = bucket.take(tat, nowMicros);
            tat = d.tatMicros();
            return d;
        }
    }

    @Test
    void burstThenRefillAtTheRate() {
        Driven b = new Driven(TokenBucket.of(3, 2.0));
        assertThat(b.at(0)).isEqualTo(new TokenBucket.Decision(true, SECOND / 2, 2, 0, 0));
        assertThat(b.at(0).remaining()).isEqualTo(1);
        assertThat(b.at(0)).isEqualTo(new TokenBucket.Decision(true, 3 * SECOND / 2, 0, 0, 0));
        TokenBucket.Decision refused = b.at(0);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.retryAfterSeconds()).isEqualTo(1);
        assertThat(refused.tatMicros()).as("a refusal leaves the TAT where it was").isEqualTo(3 * SECOND / 2);
        assertThat(b.at(SECOND / 2 - 1).allowed()).isFalse();
        assertThat(b.at(SECOND / 2).allowed()).isTrue();
        assertThat(b.at(SECOND / 2).allowed()).isFalse();
        // a long idle time never fills past the burst
        long later = 100 * SECOND;
        for (int i = 0; i < 3; i++) assertThat(b.at(later).allowed()).isTrue();
        assertThat(b.at(later).allowed()).isFalse();
    }

    @Test
    void retryAfterIsTheWholeSecondsUntilOneToken() {
        Driven slow = new Driven(TokenBucket.of(1, 0.2));
        assertThat(slow.at(0).allowed()).isTrue();
        assertThat(slow.at(0).retryAfterSeconds()).isEqualTo(5);
        assertThat(slow.at(SECOND).retryAfterSeconds()).isEqualTo(4);
        assertThat(slow.at(4 * SECOND + 1).retryAfterSeconds()).isEqualTo(1);
        assertThat(slow.at(5 * SECOND).allowed()).isTrue();
    }

    @Test
    void clockGoingBackwardsAddsNothing() {
        Driven b = new Driven(TokenBucket.of(1, 1.0));
        assertThat(b.at(10 * SECOND).allowed()).isTrue();
        assertThat(b.at(5 * SECOND).allowed()).isFalse();
        assertThat(b.at(11 * SECOND).allowed()).isTrue();
    }

    @Test
    void sustainedRequestsPassAtTheRateAfterTheBurst() {
        // 100 requests a second for 10 s against burst 5, 10/s: 5 + 10 × 10 (the last refill lands on the 10 s mark)
        Driven b = new Driven(TokenBucket.of(5, 10));
        int passed = 0;
        for (long t = 0; t <= 10 * SECOND; t += SECOND / 100) if (b.at(t).allowed()) passed++;
        assertThat(passed).isEqualTo(5 + 100);
    }

    @Test
    void intervalsAreWholeMicroseconds() {
        assertThat(TokenBucket.of(1, 3).emissionIntervalMicros()).isEqualTo(333_333);
        assertThat(TokenBucket.of(1, 1_000_000).emissionIntervalMicros()).isEqualTo(1);
        assertThat(TokenBucket.of(4, 0.5).allowAheadMicros()).isEqualTo(6 * SECOND);
    }

    @Test
    void badSettingsAreRefused() {
        assertThatThrownBy(() -> TokenBucket.of(0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TokenBucket.of(1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TokenBucket.of(1, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TokenBucket.of(1, Double.NaN)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TokenBucket.of(1, Double.POSITIVE_INFINITY)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TokenBucket.of(1, 2_000_000)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TokenBucket.of(1, 1e-9)).as("below one a year").isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TokenBucket.of(Long.MAX_VALUE, 1)).as("burst × interval past a year")
                .isInstanceOf(IllegalArgumentException.class);
    }
}
