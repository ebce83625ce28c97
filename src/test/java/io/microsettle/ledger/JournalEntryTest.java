package io.microsettle.ledger;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JournalEntryTest {
    static long sum(JournalEntry e) {
        return e.postings().stream().mapToLong(JournalEntry.Posting::amountBaseUnits).sum();
    }

    @Test
    void everyFactoryEntryBalances() {
        assertThat(sum(JournalEntry.credits("acme", new TreeMap<>(Map.of("acct_1", 500L, "acct_2", 7L))))).isZero();
        assertThat(sum(JournalEntry.hold("acme", "acct_1", 500, "co_1"))).isZero();
        assertThat(sum(JournalEntry.settle("acme", "acct_1", 500, 30, "co_1"))).isZero();
        assertThat(sum(JournalEntry.settle("acme", "acct_1", 500, 0, "co_1"))).isZero();
        assertThat(sum(JournalEntry.release("acme", "acct_1", 500, "co_1"))).isZero();
    }

    @Test
    void creditsMoveFundingToEachAccountOnceAndTheTotalOutOfFunding() {
        JournalEntry e = JournalEntry.credits("acme", new TreeMap<>(Map.of("acct_2", 250L, "acct_1", 500L)));
        assertThat(e.kind()).isEqualTo(EntryKind.CREDIT);
        assertThat(e.postings()).containsExactly(
                new JournalEntry.Posting(LedgerAccount.userAvailable("acct_1"), 500),
                new JournalEntry.Posting(LedgerAccount.userAvailable("acct_2"), 250),
                new JournalEntry.Posting(LedgerAccount.integratorFunding("acme"), -750));
        assertThatThrownBy(() -> JournalEntry.credits("acme", new TreeMap<>())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JournalEntry.credits("acme", new TreeMap<>(Map.of("a", Long.MAX_VALUE, "b", 1L))))
                .isInstanceOf(ArithmeticException.class);
    }

    @Test
    void settleSplitsHoldIntoNetAndFee() {
        JournalEntry e = JournalEntry.settle("acme", "acct_1", 1000, 30, "co_1");
        assertThat(e.postings()).containsExactly(
                new JournalEntry.Posting(LedgerAccount.userHeld("acct_1"), -1000),
                new JournalEntry.Posting(LedgerAccount.integratorPayouts("acme"), 970),
                new JournalEntry.Posting(LedgerAccount.feeRevenue(), 30),
                new JournalEntry.Posting(LedgerAccount.integratorObligations("acme", LedgerAccount.stripeOf("acct_1")), -1000),
                new JournalEntry.Posting(LedgerAccount.integratorEscrowCommitted("acme", LedgerAccount.stripeOf("acct_1")), 1000));
    }

    @Test
    void holdMakesTheGrossAnObligationOfTheIntegratorUntilSettledOrReleased() {
        JournalEntry hold = JournalEntry.hold("acme", "acct_1", 1000, "co_1");
        assertThat(hold.postings()).containsExactly(
                new JournalEntry.Posting(LedgerAccount.userAvailable("acct_1"), -1000),
                new JournalEntry.Posting(LedgerAccount.userHeld("acct_1"), 1000),
                new JournalEntry.Posting(LedgerAccount.integratorEscrowCommitted("acme", LedgerAccount.stripeOf("acct_1")), -1000),
                new JournalEntry.Posting(LedgerAccount.integratorObligations("acme", LedgerAccount.stripeOf("acct_1")), 1000));
        for (JournalEntry end : List.of(JournalEntry.settle("acme", "acct_1", 1000, 30, 10, "co_1"),
                JournalEntry.release("acme", "acct_1", 1000, "co_1"))) {
            long obligations = java.util.stream.Stream.of(hold, end).flatMap(e -> e.postings().stream())
                    .filter(p -> p.account().equals(LedgerAccount.integratorObligations("acme", LedgerAccount.stripeOf("acct_1"))))
                    .mapToLong(JournalEntry.Posting::amountBaseUnits).sum();
            assertThat(obligations).as(end.kind().name()).isZero();
        }
    }

    @Test
    void unbalancedEntriesAreRefused() {
        var a = LedgerAccount.userAvailable("x");
        var b = LedgerAccount.userHeld("x");
        assertThatThrownBy(() -> new JournalEntry(EntryKind.HOLD, "i", null,
                List.of(new JournalEntry.Posting(a, -5), new JournalEntry.Posting(b, 4))))
                .hasMessageContaining("sum to -1");
        assertThatThrownBy(() -> new JournalEntry(EntryKind.HOLD, "i", null, List.of(new JournalEntry.Posting(a, 0))))
                .hasMessageContaining("two postings");
        assertThatThrownBy(() -> new JournalEntry(EntryKind.HOLD, "i", null,
                List.of(new JournalEntry.Posting(a, 0), new JournalEntry.Posting(b, 0))))
                .hasMessageContaining("zero");
        assertThatThrownBy(() -> new JournalEntry(EntryKind.HOLD, "i", null,
                List.of(new JournalEntry.Posting(a, 5), new JournalEntry.Posting(a, -5))))
                .hasMessageContaining("twice");
    }

    @Test
    void overflowIsRefusedNotWrapped() {
        var a = LedgerAccount.userAvailable("x");
        var b = LedgerAccount.userHeld("x");
        var c = LedgerAccount.feeRevenue();
        assertThatThrownBy(() -> new JournalEntry(EntryKind.HOLD, "i", null, List.of(
                new JournalEntry.Posting(a, Long.MAX_VALUE), new JournalEntry.Posting(b, Long.MAX_VALUE),
                new JournalEntry.Posting(c, 2)))).isInstanceOf(ArithmeticException.class);
    }

    @Test
    void nonPositiveAmountsAndBadFeesAreRefused() {
        assertThatThrownBy(() -> JournalEntry.credits("a", new TreeMap<>(Map.of("b", 0L)))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JournalEntry.hold("a", "b", -1, "c")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JournalEntry.settle("a", "b", 10, 10, "c")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JournalEntry.settle("a", "b", 10, -1, "c")).isInstanceOf(IllegalArgumentException.class);
    }

    @org.junit.jupiter.api.Test
    void settleSplitsTheFeeIntoServiceAndNetworkParts() {
        JournalEntry e = JournalEntry.settle("acme", "acct_1", 1000, 30, 12, "co_1");
        assertThat(e.postings()).containsExactly(
                new JournalEntry.Posting(LedgerAccount.userHeld("acct_1"), -1000),
                new JournalEntry.Posting(LedgerAccount.integratorPayouts("acme"), 970),
                new JournalEntry.Posting(LedgerAccount.feeRevenue(), 18),
                new JournalEntry.Posting(LedgerAccount.networkFeePool(), 12),
                new JournalEntry.Posting(LedgerAccount.integratorObligations("acme", LedgerAccount.stripeOf("acct_1")), -1000),
                new JournalEntry.Posting(LedgerAccount.integratorEscrowCommitted("acme", LedgerAccount.stripeOf("acct_1")), 1000));
        assertThat(JournalEntry.settle("acme", "acct_1", 1000, 30, 30, "co_1").postings()).hasSize(5);
        assertThatThrownBy(() -> JournalEntry.settle("a", "b", 100, 10, 11, "c")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JournalEntry.settle("a", "b", 100, 10, -1, "c")).isInstanceOf(IllegalArgumentException.class);
    }
}
