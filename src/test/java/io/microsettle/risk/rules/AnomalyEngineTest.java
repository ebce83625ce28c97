package io.microsettle.risk.rules;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;

import static io.microsettle.risk.rules.AnomalyFixtures.HOUR;
import static io.microsettle.risk.rules.AnomalyFixtures.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AnomalyEngineTest {

    private static final AnomalyEngine ENGINE = AnomalyEngine.standard(AnomalyFixtures.thresholds());

    @Test
    void passesAQuietCashout() {
        assertThat(ENGINE.evaluate(AnomalyFixtures.quiet())).isEqualTo(new AnomalyVerdict.Pass());
    }

    @Test
    void holdsWithEveryReasonInRuleOrder() {
        List<Long> history = Collections.nCopies(10, 1_000_000L);
        AnomalyContext everything = new AnomalyContext("acct_9", 2_000_000_000L, AnomalyFixtures.DENIED, NOW,
                NOW - 60_000, history, 5, 2_000_000_000L);
        AnomalyVerdict v = ENGINE.evaluate(everything);
        assertThat(v).isInstanceOf(AnomalyVerdict.Hold.class);
        assertThat(((AnomalyVerdict.Hold) v).reasons()).containsExactly(HoldReason.values());
        for (HoldFinding f : ((AnomalyVerdict.Hold) v).findings()) {
            assertThat(f.evidence()).containsEntry("accountId", "acct_9");
        }
    }

    @Test
    void engineGuardsItsRuleList() {
        assertThatThrownBy(() -> new AnomalyEngine(AnomalyFixtures.thresholds(),
                List.of(new DeniedDestinationRule(), new DeniedDestinationRule())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("two rules");
        AnomalyRule liar = new AnomalyRule() {
            public HoldReason reason() { return HoldReason.SHARED_DESTINATION; }
            public Optional<HoldFinding> evaluate(AnomalyContext c, AnomalyThresholds t) {
                return Optional.of(new HoldFinding(HoldReason.DENIED_DESTINATION, java.util.Map.of()));
            }
        };
        assertThatThrownBy(() -> new AnomalyEngine(AnomalyFixtures.thresholds(), List.of(liar))
                .evaluate(AnomalyFixtures.quiet())).isInstanceOf(IllegalStateException.class);
        assertThat(new AnomalyEngine(AnomalyFixtures.thresholds(), List.of()).evaluate(AnomalyFixtures.quiet()))
                .isInstanceOf(AnomalyVerdict.Pass.class);
        assertThatThrownBy(() -> new AnomalyVerdict.Hold(List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void evidenceIsOrderedAndImmutable() {
        HoldFinding f = ENGINE.rules().get(0).evaluate(
                AnomalyFixtures.with(2_000_000_000L, 1, List.of(), 0, 0), AnomalyFixtures.thresholds()).orElseThrow();
        assertThat(f.evidence().keySet()).containsExactly("accountId", "amount", "largeAmountThreshold",
                "walletAgeMillis", "newWalletWindowMillis");
        assertThatThrownBy(() -> f.evidence().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
    }

    /** Random facts and thresholds; each reason must appear exactly when its reference predicate holds. */
    @Test
    void propertyHoldReasonsMatchReferencePredicates() {
        SplittableRandom rnd = new SplittableRandom(0x5EED_6L);
        EnumSet<HoldReason> seen = EnumSet.noneOf(HoldReason.class);
        int passes = 0;
        for (int i = 0; i < 30_000; i++) {
            String denied = randomAddress(rnd);
            AnomalyThresholds t = new AnomalyThresholds(
                    rnd.nextLong(1, 48 * HOUR), rnd.nextLong(1, 2_000_000_000L),
                    rnd.nextBoolean() ? HistoryReference.P90 : HistoryReference.MAX,
                    rnd.nextInt(100, 2_000), rnd.nextInt(1, 20), rnd.nextLong(0, 500_000_000L),
                    rnd.nextInt(2, 10), rnd.nextLong(1, 48 * HOUR),
                    rnd.nextInt(1, 10_001), rnd.nextLong(1, HOUR), rnd.nextLong(0, 500_000_000L), Set.of(denied));
            long amount = rnd.nextLong(1, 3_000_000_000L);
            int historySize = rnd.nextInt(0, 30);
            List<Long> history = new ArrayList<>();
            for (int h = 0; h < historySize; h++) {
                history.add(rnd.nextLong(1, 1_000_000_000L));
            }
            String dest = rnd.nextInt(10) == 0 ? denied.toUpperCase().replace("0X", "0x") : randomAddress(rnd);
            long walletAge = rnd.nextLong(-1_000, 96 * HOUR);
            int others = rnd.nextInt(0, 12);
            long credited = rnd.nextInt(3) == 0 ? 0 : rnd.nextLong(0, 2 * amount + 1);
            AnomalyContext c = new AnomalyContext("acct_" + i, amount, dest, NOW, NOW - walletAge, history, others, credited);

            EnumSet<HoldReason> expected = EnumSet.noneOf(HoldReason.class);
            if (walletAge < t.newWalletWindowMillis() && amount >= t.largeAmountBaseUnits()) {
                expected.add(HoldReason.NEW_WALLET_LARGE_AMOUNT);
            }
            if (historySize >= t.historyMinSize() && amount >= t.historyMinAmountBaseUnits()) {
                long[] sorted = history.stream().mapToLong(Long::longValue).sorted().toArray();
                long ref = t.historyReference() == HistoryReference.MAX ? sorted[sorted.length - 1]
                        : sorted[(9 * sorted.length + 9) / 10 - 1]; // rank ceil(9n/10)
                if (Math.multiplyExact(amount, 100L) > Math.multiplyExact(ref, (long) t.historyMultiplierPercent())) {
                    expected.add(HoldReason.AMOUNT_ABOVE_HISTORY);
                }
            }
            if (others + 1 >= t.sharedDestinationMinAccounts()) {
                expected.add(HoldReason.SHARED_DESTINATION);
            }
            if (amount >= t.creditBurstMinAmountBaseUnits()
                    && Math.multiplyExact(credited, 10_000L) >= Math.multiplyExact(amount, (long) t.creditBurstBps())) {
                expected.add(HoldReason.CREDIT_BURST_CASHOUT);
            }
            if (dest.equalsIgnoreCase(denied)) {
                expected.add(HoldReason.DENIED_DESTINATION);
            }

            AnomalyVerdict v = AnomalyEngine.standard(t).evaluate(c);
            if (expected.isEmpty()) {
                assertThat(v).as("case %d", i).isInstanceOf(AnomalyVerdict.Pass.class);
                passes++;
            } else {
                assertThat(v).as("case %d", i).isInstanceOf(AnomalyVerdict.Hold.class);
                List<HoldReason> reasons = ((AnomalyVerdict.Hold) v).reasons();
                assertThat(reasons).as("case %d", i).containsExactlyElementsOf(
                        Arrays.stream(HoldReason.values()).filter(expected::contains).toList());
                seen.addAll(reasons);
            }
        }
        assertThat(seen).containsExactlyInAnyOrder(HoldReason.values());
        assertThat(passes).isGreaterThan(1_000);
    }

    private static String randomAddress(SplittableRandom rnd) {
        byte[] b = new byte[20];
        rnd.nextBytes(b);
        return "0x" + HexFormat.of().formatHex(b);
    }
}
