package io.microsettle.pricing.rules;

import io.microsettle.infra.RuleConfigException;
import io.microsettle.account.VerificationLevel;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FeeScheduleTest {

    private static final List<FeeTier> OK_TIERS = List.of(new FeeTier(0, 20), new FeeTier(1_000, 10));

    private static FeeSchedule with(Map<VerificationLevel, List<FeeTier>> tiers, long min, long max, long minPayout) {
        return new FeeSchedule(1, tiers, min, max, minPayout);
    }

    private static Map<VerificationLevel, List<FeeTier>> basicWith(List<FeeTier> basic) {
        Map<VerificationLevel, List<FeeTier>> m = new HashMap<>();
        m.put(VerificationLevel.BASIC, basic);
        m.put(VerificationLevel.FULL, OK_TIERS);
        return m;
    }

    private static void assertField(Runnable r, String field) {
        assertThatThrownBy(r::run).isInstanceOf(RuleConfigException.class)
                .satisfies(e -> assertThat(((RuleConfigException) e).field()).isEqualTo(field));
    }

    @Test
    void validScheduleIsAcceptedAndImmutable() {
        FeeSchedule s = Fixtures.schedule();
        assertThat(s.version()).isEqualTo(3);
        assertThatThrownBy(() -> s.tiersByLevel().put(VerificationLevel.NONE, OK_TIERS))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> s.tiersFor(VerificationLevel.BASIC).orElseThrow().add(new FeeTier(9, 1)))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void validationNamesTheBadField() {
        assertField(() -> new FeeSchedule(0, basicWith(OK_TIERS), 0, 1, 1), "version");
        assertField(() -> with(null, 0, 1, 1), "tiersByLevel");
        assertField(() -> with(Map.of(VerificationLevel.FULL, OK_TIERS), 0, 1, 1), "tiersByLevel.BASIC");
        assertField(() -> with(Map.of(VerificationLevel.BASIC, OK_TIERS), 0, 1, 1), "tiersByLevel.FULL");
        Map<VerificationLevel, List<FeeTier>> withNone = new EnumMap<>(basicWith(OK_TIERS));
        withNone.put(VerificationLevel.NONE, OK_TIERS);
        assertField(() -> with(withNone, 0, 1, 1), "tiersByLevel.NONE");
        assertField(() -> with(basicWith(List.of()), 0, 1, 1), "tiersByLevel.BASIC");
        List<FeeTier> tooMany = new ArrayList<>();
        for (int i = 0; i <= FeeSchedule.MAX_TIERS; i++) {
            tooMany.add(new FeeTier(i, 10));
        }
        assertField(() -> with(basicWith(tooMany), 0, 1, 1), "tiersByLevel.BASIC");
        assertField(() -> with(basicWith(List.of(new FeeTier(5, 10))), 0, 1, 1), "tiersByLevel.BASIC[0].fromVolumeBaseUnits");
        assertField(() -> with(basicWith(List.of(new FeeTier(0, 10), new FeeTier(0, 5))), 0, 1, 1),
                "tiersByLevel.BASIC[1].fromVolumeBaseUnits");
        assertField(() -> with(basicWith(List.of(new FeeTier(0, 10), new FeeTier(100, 5), new FeeTier(50, 1))), 0, 1, 1),
                "tiersByLevel.BASIC[2].fromVolumeBaseUnits");
        assertField(() -> with(basicWith(List.of(new FeeTier(0, 10), new FeeTier(100, 11))), 0, 1, 1),
                "tiersByLevel.BASIC[1].serviceFeeBps");
        assertField(() -> with(basicWith(List.of(new FeeTier(0, 10_001))), 0, 1, 1), "tiersByLevel.BASIC[0].serviceFeeBps");
        assertField(() -> with(basicWith(List.of(new FeeTier(0, -1))), 0, 1, 1), "tiersByLevel.BASIC[0].serviceFeeBps");
        List<FeeTier> withNull = new ArrayList<>();
        withNull.add(null);
        assertField(() -> with(basicWith(withNull), 0, 1, 1), "tiersByLevel.BASIC[0]");
        assertField(() -> with(basicWith(OK_TIERS), -1, 1, 1), "minServiceFeeBaseUnits");
        assertField(() -> with(basicWith(OK_TIERS), 10, 9, 1), "maxServiceFeeBaseUnits");
        assertField(() -> with(basicWith(OK_TIERS), 0, 1, 0), "minPayoutBaseUnits");
        // Boundaries that are allowed.
        with(basicWith(List.of(new FeeTier(0, 10_000))), 5, 5, 1);
        with(basicWith(List.of(new FeeTier(0, 0))), 0, 0, Long.MAX_VALUE);
    }

    @Test
    void tierIsTheLastThresholdAtOrBelowTheVolume() {
        FeeSchedule s = Fixtures.schedule();
        assertThat(s.tierFor(VerificationLevel.BASIC, 0).orElseThrow().serviceFeeBps()).isEqualTo(25);
        assertThat(s.tierFor(VerificationLevel.BASIC, 9_999_999_999L).orElseThrow().serviceFeeBps()).isEqualTo(25);
        assertThat(s.tierFor(VerificationLevel.BASIC, 10_000_000_000L).orElseThrow().serviceFeeBps()).isEqualTo(15);
        assertThat(s.tierFor(VerificationLevel.BASIC, 99_999_999_999L).orElseThrow().serviceFeeBps()).isEqualTo(15);
        assertThat(s.tierFor(VerificationLevel.BASIC, 100_000_000_000L).orElseThrow().serviceFeeBps()).isEqualTo(10);
        assertThat(s.tierFor(VerificationLevel.FULL, Long.MAX_VALUE).orElseThrow().serviceFeeBps()).isEqualTo(5);
        assertThat(s.tierFor(VerificationLevel.NONE, 0)).isEmpty();
        assertThatThrownBy(() -> s.tierFor(VerificationLevel.BASIC, -1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void serviceFeeRoundsUpThenClamps() {
        FeeSchedule s = with(basicWith(OK_TIERS), 3, 1_000, 1);
        assertThat(s.serviceFeeBaseUnits(25, 10_000)).isEqualTo(25);        // exact
        assertThat(s.serviceFeeBaseUnits(25, 10_001)).isEqualTo(26);        // 25.0025 rounds up
        assertThat(s.serviceFeeBaseUnits(25, 1)).isEqualTo(3);              // min clamp
        assertThat(s.serviceFeeBaseUnits(25, 1_000_000_000)).isEqualTo(1_000); // max clamp
        assertThat(s.serviceFeeBaseUnits(0, 1_000_000)).isEqualTo(3);
        FeeSchedule open = with(basicWith(OK_TIERS), 0, Long.MAX_VALUE, 1);
        assertThat(open.serviceFeeBaseUnits(10_000, Long.MAX_VALUE)).isEqualTo(Long.MAX_VALUE);
        assertThat(open.serviceFeeBaseUnits(1, Long.MAX_VALUE)).isEqualTo(Long.MAX_VALUE / 10_000 + 1);
        assertThat(open.serviceFeeBaseUnits(0, 0)).isZero();
    }

    @Test
    void propertyServiceFeeIsTheClampedCeiling() {
        SplittableRandom rnd = new SplittableRandom(Fixtures.SEED);
        BigInteger tenK = BigInteger.valueOf(10_000);
        for (int i = 0; i < 50_000; i++) {
            FeeSchedule s = i % 100 == 0 || i == 0 ? Fixtures.randomSchedule(rnd) : Fixtures.schedule();
            int bps = rnd.nextInt(0, 10_001);
            long gross = Fixtures.logUniform(rnd, 63);
            BigInteger exact = BigInteger.valueOf(gross).multiply(BigInteger.valueOf(bps));
            BigInteger[] qr = exact.divideAndRemainder(tenK);
            long ceil = qr[0].add(qr[1].signum() > 0 ? BigInteger.ONE : BigInteger.ZERO).longValueExact();
            long expected = Math.min(s.maxServiceFeeBaseUnits(), Math.max(s.minServiceFeeBaseUnits(), ceil));
            long fee = s.serviceFeeBaseUnits(bps, gross);
            assertThat(fee).as("gross %d bps %d", gross, bps).isEqualTo(expected);
            // Never under-charges the exact rate unless the maximum caps it.
            if (fee < s.maxServiceFeeBaseUnits()) {
                assertThat(BigInteger.valueOf(fee).multiply(tenK)).isGreaterThanOrEqualTo(exact);
            }
        }
    }
}
