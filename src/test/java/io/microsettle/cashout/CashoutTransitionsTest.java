package io.microsettle.cashout;

import org.junit.jupiter.api.Test;

import static io.microsettle.cashout.CashoutStatus.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CashoutTransitionsTest {
    @Test
    void happyPath() {
        CashoutStatus[] path = {REQUESTED, QUEUED, BATCHED, SUBMITTED, CONFIRMED, SETTLED};
        for (int i = 0; i + 1 < path.length; i++) {
            assertThat(CashoutTransitions.allowed(path[i], path[i + 1])).as(path[i] + "->" + path[i + 1]).isTrue();
        }
    }

    @Test
    void reviewRejectionReplacementReorgAndAbandon() {
        assertThat(CashoutTransitions.allowed(REQUESTED, HELD)).isTrue();
        assertThat(CashoutTransitions.allowed(HELD, QUEUED)).isTrue();
        assertThat(CashoutTransitions.allowed(HELD, REJECTED)).isTrue();
        assertThat(CashoutTransitions.allowed(REQUESTED, REJECTED)).isTrue();
        assertThat(CashoutTransitions.allowed(SUBMITTED, SUBMITTED)).isTrue();
        assertThat(CashoutTransitions.allowed(SUBMITTED, FAILED)).isTrue();
        // its transaction can never be mined (a final no-op filled its nonce): back to the queue
        assertThat(CashoutTransitions.allowed(SUBMITTED, QUEUED)).isTrue();
        assertThat(CashoutTransitions.allowed(CONFIRMED, QUEUED)).isFalse();
        assertThat(CashoutTransitions.allowed(SETTLED, QUEUED)).isFalse();
        assertThat(CashoutTransitions.allowed(CONFIRMED, SUBMITTED)).isTrue();
        assertThat(CashoutTransitions.allowed(SETTLED, SUBMITTED)).isTrue();
        assertThat(CashoutTransitions.allowed(BATCHED, QUEUED)).isTrue();
        // mined before its broadcast was recorded (a crash in between): the log settles it from BATCHED
        assertThat(CashoutTransitions.allowed(BATCHED, CONFIRMED)).isTrue();
        assertThat(CashoutTransitions.allowed(BATCHED, SETTLED)).isFalse();
    }

    @Test
    void refusedTransitions() {
        assertThat(CashoutTransitions.allowed(QUEUED, SETTLED)).isFalse();
        assertThat(CashoutTransitions.allowed(SUBMITTED, BATCHED)).isFalse();
        assertThat(CashoutTransitions.allowed(QUEUED, QUEUED)).isFalse();
        assertThat(CashoutTransitions.allowed(SETTLED, FAILED)).isFalse();
        assertThat(CashoutTransitions.allowed(null, QUEUED)).isFalse();
        for (CashoutStatus to : CashoutStatus.values()) {
            assertThat(CashoutTransitions.allowed(REJECTED, to)).isFalse();
            assertThat(CashoutTransitions.allowed(FAILED, to)).isFalse();
            assertThat(CashoutTransitions.allowed(to, REQUESTED)).isFalse();
        }
        assertThat(CashoutTransitions.isFinal(REJECTED)).isTrue();
        assertThat(CashoutTransitions.isFinal(SETTLED)).isFalse();
        assertThatThrownBy(() -> CashoutTransitions.check(QUEUED, SETTLED))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("QUEUED -> SETTLED");
    }
}
