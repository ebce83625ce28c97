package io.microsettle.risk.rules;

import io.microsettle.infra.RuleConfigException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.Set;

import static io.microsettle.risk.rules.AnomalyFixtures.DENIED;
import static io.microsettle.risk.rules.AnomalyFixtures.HOUR;
import static io.microsettle.risk.rules.AnomalyFixtures.quiet;
import static io.microsettle.risk.rules.AnomalyFixtures.thresholds;
import static io.microsettle.risk.rules.AnomalyFixtures.with;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AnomalyRulesTest {

    private static final AnomalyThresholds T = thresholds();
    private static final long OLD = 30 * 24 * HOUR;

    private static Optional<HoldFinding> run(AnomalyRule rule, AnomalyContext c) {
        return rule.evaluate(c, T);
    }

    @Test
    void noRuleFiresOnAQuietCashout() {
        for (AnomalyRule rule : AnomalyEngine.standardRules()) {
            assertThat(run(rule, quiet())).as(rule.reason().code()).isEmpty();
        }
    }

    // --- new_wallet_large_amount ---

    @Test
    void newWalletLargeAmount() {
        AnomalyRule r = new NewWalletLargeAmountRule();
        assertThat(r.reason().code()).isEqualTo("new_wallet_large_amount");
        HoldFinding f = run(r, with(1_000_000_000L, 5 * 60_000L, List.of(), 0, 0)).orElseThrow();
        assertThat(f.reason()).isEqualTo(HoldReason.NEW_WALLET_LARGE_AMOUNT);
        assertThat(f.evidence()).containsEntry("walletAgeMillis", "300000").containsEntry("amount", "1000000000")
                .containsEntry("largeAmountThreshold", "1000000000");
        // Miss: old wallet; miss: small amount.
        assertThat(run(r, with(5_000_000_000L, OLD, List.of(), 0, 0))).isEmpty();
        assertThat(run(r, with(999_999_999L, 0, List.of(), 0, 0))).isEmpty();
        // Boundaries: age exactly the window is not new; one ms less is.
        assertThat(run(r, with(1_000_000_000L, HOUR, List.of(), 0, 0))).isEmpty();
        assertThat(run(r, with(1_000_000_000L, HOUR - 1, List.of(), 0, 0))).isPresent();
        // Bound "in the future" (clock skew) counts as new.
        assertThat(run(r, with(1_000_000_000L, -1_000, List.of(), 0, 0))).isPresent();
    }

    // --- amount_above_history ---

    @Test
    void amountAboveHistory() {
        AnomalyRule r = new AmountAboveHistoryRule();
        assertThat(r.reason().code()).isEqualTo("amount_above_history");
        // Ten cash-outs of 10..100 TUSD: P90 (rank 9) = 90 TUSD; 5x = 450 TUSD.
        List<Long> history = List.of(100_000_000L, 10_000_000L, 20_000_000L, 30_000_000L, 40_000_000L,
                50_000_000L, 60_000_000L, 70_000_000L, 80_000_000L, 90_000_000L);
        HoldFinding f = run(r, with(450_000_001L, OLD, history, 0, 0)).orElseThrow();
        assertThat(f.evidence()).containsEntry("historyP90", "90000000").containsEntry("historyMax", "100000000")
                .containsEntry("referenceAmount", "90000000").containsEntry("historySize", "10")
                .containsEntry("multiplierPercent", "500");
        // Exact boundary: 5x P90 is not "above".
        assertThat(run(r, with(450_000_000L, OLD, history, 0, 0))).isEmpty();
        // Too little history never fires.
        assertThat(run(r, with(10_000_000_000L, OLD, history.subList(0, 4), 0, 0))).isEmpty();
        assertThat(run(r, with(10_000_000_000L, OLD, history.subList(0, 5), 0, 0))).isPresent();
        // Small amounts never fire even far above a tiny history.
        List<Long> tiny = List.of(1L, 1L, 1L, 1L, 1L);
        assertThat(run(r, with(99_999_999L, OLD, tiny, 0, 0))).isEmpty();
        assertThat(run(r, with(100_000_000L, OLD, tiny, 0, 0))).isPresent();
        // MAX reference.
        AnomalyThresholds maxRef = new AnomalyThresholds(HOUR, 1_000_000_000L, HistoryReference.MAX, 500, 5,
                100_000_000L, 3, 24 * HOUR, 8_000, 600_000L, 50_000_000L, Set.of());
        assertThat(r.evaluate(with(450_000_001L, OLD, history, 0, 0), maxRef)).isEmpty();
        assertThat(r.evaluate(with(500_000_001L, OLD, history, 0, 0), maxRef)).isPresent();
        assertThat(r.evaluate(with(500_000_000L, OLD, history, 0, 0), maxRef)).isEmpty();
    }

    @Test
    void p90IsNearestRank() {
        assertThat(AmountAboveHistoryRule.p90(List.of(7L))).isEqualTo(7);
        assertThat(AmountAboveHistoryRule.p90(List.of(1L, 2L))).isEqualTo(2);             // rank ceil(1.8) = 2
        assertThat(AmountAboveHistoryRule.p90(List.of(5L, 4L, 3L, 2L, 1L, 6L, 7L, 8L, 9L, 10L))).isEqualTo(9);
        assertThat(AmountAboveHistoryRule.p90(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L))).isEqualTo(10); // ceil(9.9)
        assertThatThrownBy(() -> AmountAboveHistoryRule.p90(List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    // --- shared_destination ---

    @Test
    void sharedDestination() {
        AnomalyRule r = new SharedDestinationRule();
        assertThat(r.reason().code()).isEqualTo("shared_destination");
        // Threshold 3 accounts: two others + this one fires; one other does not.
        HoldFinding f = run(r, with(1_000_000L, OLD, List.of(), 2, 0)).orElseThrow();
        assertThat(f.evidence()).containsEntry("distinctAccounts", "3").containsEntry("minAccounts", "3")
                .containsEntry("destination", AnomalyFixtures.DEST).containsEntry("windowMillis", String.valueOf(24 * HOUR));
        assertThat(run(r, with(1_000_000L, OLD, List.of(), 1, 0))).isEmpty();
        assertThat(run(r, with(1_000_000L, OLD, List.of(), Integer.MAX_VALUE, 0))).isPresent();
    }

    // --- credit_burst_cashout ---

    @Test
    void creditBurstCashout() {
        AnomalyRule r = new CreditBurstCashoutRule();
        assertThat(r.reason().code()).isEqualTo("credit_burst_cashout");
        // 80 % of 100 TUSD credited within the window: exactly at the threshold fires.
        HoldFinding f = run(r, with(100_000_000L, OLD, List.of(), 0, 80_000_000L)).orElseThrow();
        assertThat(f.evidence()).containsEntry("creditedInWindow", "80000000").containsEntry("thresholdBps", "8000");
        assertThat(run(r, with(100_000_000L, OLD, List.of(), 0, 79_999_999L))).isEmpty();
        assertThat(run(r, with(100_000_000L, OLD, List.of(), 0, Long.MAX_VALUE))).isPresent();
        // Below the minimum amount never fires.
        assertThat(run(r, with(49_999_999L, OLD, List.of(), 0, 49_999_999L))).isEmpty();
        assertThat(run(r, with(50_000_000L, OLD, List.of(), 0, 50_000_000L))).isPresent();
        // Largest gross: no overflow in gross * bps.
        assertThat(run(r, with(Long.MAX_VALUE, OLD, List.of(), 0, Long.MAX_VALUE))).isPresent();
        assertThat(run(r, with(Long.MAX_VALUE, OLD, List.of(), 0, Long.MAX_VALUE / 10_000 * 7_999))).isEmpty();
    }

    // --- denied_destination ---

    /** The service reads a rule's facts only when it can fire: no gross that can fire may be told otherwise. */
    @Test
    void factsAreNeededExactlyFromEachRulesMinimum() {
        long history = T.historyMinAmountBaseUnits();
        long burst = T.creditBurstMinAmountBaseUnits();
        assertThat(T.historyCanFire(history)).isTrue();
        assertThat(T.historyCanFire(history - 1)).isFalse();
        assertThat(T.creditBurstCanFire(burst)).isTrue();
        assertThat(T.creditBurstCanFire(burst - 1)).isFalse();
        // Just below each minimum the rule stays silent even on facts that would make it fire above it.
        List<Long> small = List.of(1L, 1L, 1L, 1L, 1L, 1L, 1L, 1L, 1L, 1L);
        assertThat(run(new AmountAboveHistoryRule(), with(history - 1, OLD, small, 0, 0))).isEmpty();
        assertThat(run(new CreditBurstCashoutRule(), with(burst - 1, OLD, List.of(), 0, Long.MAX_VALUE / 20_000))).isEmpty();
        assertThat(run(new CreditBurstCashoutRule(), with(burst, OLD, List.of(), 0, burst))).isPresent();
    }

    @Test
    void deniedDestination() {
        AnomalyRule r = new DeniedDestinationRule();
        assertThat(r.reason().code()).isEqualTo("denied_destination");
        assertThat(run(r, AnomalyFixtures.to(DENIED))).isPresent();
        assertThat(run(r, AnomalyFixtures.to(DENIED.toLowerCase()))).isPresent();
        assertThat(run(r, AnomalyFixtures.to("0x" + DENIED.substring(2).toUpperCase()))).isPresent();
        // One hex digit off: miss.
        assertThat(run(r, AnomalyFixtures.to(DENIED.substring(0, 41) + "e"))).isEmpty();
        assertThat(run(r, AnomalyFixtures.to(AnomalyFixtures.DEST))).isEmpty();
        HoldFinding f = run(r, AnomalyFixtures.to(DENIED)).orElseThrow();
        assertThat(f.evidence()).containsEntry("destination", DENIED);
    }

    @Test
    void thresholdValidationNamesTheBadField() {
        assertThatThrownBy(() -> new AnomalyThresholds(0, 1, HistoryReference.P90, 500, 5, 0, 3, 1, 1, 1, 0, Set.of()))
                .hasMessageStartingWith("newWalletWindowMillis:");
        assertThatThrownBy(() -> new AnomalyThresholds(1, 1, HistoryReference.P90, 99, 5, 0, 3, 1, 1, 1, 0, Set.of()))
                .hasMessageStartingWith("historyMultiplierPercent:");
        assertThatThrownBy(() -> new AnomalyThresholds(1, 1, null, 500, 5, 0, 3, 1, 1, 1, 0, Set.of()))
                .hasMessageStartingWith("historyReference:");
        assertThatThrownBy(() -> new AnomalyThresholds(1, 1, HistoryReference.P90, 500, 1_001, 0, 3, 1, 1, 1, 0, Set.of()))
                .hasMessageStartingWith("historyMinSize:");
        assertThatThrownBy(() -> new AnomalyThresholds(1, 1, HistoryReference.P90, 500, 5, 0, 1, 1, 1, 1, 0, Set.of()))
                .hasMessageStartingWith("sharedDestinationMinAccounts:");
        assertThatThrownBy(() -> new AnomalyThresholds(1, 1, HistoryReference.P90, 500, 5, 0, 3,
                AnomalyThresholds.MAX_WINDOW_MILLIS + 1, 1, 1, 0, Set.of())).hasMessageStartingWith("sharedDestinationWindowMillis:");
        assertThatThrownBy(() -> new AnomalyThresholds(1, 1, HistoryReference.P90, 500, 5, 0, 3, 1, 10_001, 1, 0, Set.of()))
                .hasMessageStartingWith("creditBurstBps:");
        assertThatThrownBy(() -> new AnomalyThresholds(1, 1, HistoryReference.P90, 500, 5, 0, 3, 1, 1, 1, 0,
                Set.of("0x1234"))).isInstanceOf(RuleConfigException.class).hasMessageStartingWith("deniedDestinations[0]:");
        AnomalyThresholds t = new AnomalyThresholds(1, 1, HistoryReference.P90, 500, 5, 0, 3, 1, 1, 1, 0, Set.of(DENIED));
        assertThat(t.deniedDestinations()).containsExactly(DENIED.toLowerCase());
        assertThat(t.isDenied("not an address")).isFalse();
    }

    @Test
    void contextRejectsMalformedFacts() {
        assertThatThrownBy(() -> with(0, OLD, List.of(), 0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> with(1, OLD, List.of(0L), 0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> with(1, OLD, List.of(), -1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> with(1, OLD, java.util.Collections.nCopies(AnomalyThresholds.MAX_HISTORY_SIZE + 1, 1L), 0, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AnomalyFixtures.to("0x12")).isInstanceOf(IllegalArgumentException.class);
    }
}
