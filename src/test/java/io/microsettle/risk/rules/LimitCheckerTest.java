package io.microsettle.risk.rules;

import io.microsettle.infra.RuleConfigException;
import io.microsettle.account.VerificationLevel;

import org.junit.jupiter.api.Test;

import java.util.EnumMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LimitCheckerTest {

    // BASIC: 1..500 TUSD per cash-out, 1000 TUSD and 5 cash-outs a day, integrator 100k TUSD a day.
    static final LevelLimits BASIC = new LevelLimits(1_000_000, 500_000_000, 1_000_000_000, 5, 100_000_000_000L);
    static final LevelLimits FULL = new LevelLimits(1_000_000, 5_000_000_000L, 20_000_000_000L, 50, 1_000_000_000_000L);
    static final Limits LIMITS = new Limits(7, Map.of(VerificationLevel.BASIC, BASIC, VerificationLevel.FULL, FULL));
    static final LimitChecker CHECKER = new LimitChecker(LIMITS);

    private static LimitOutcome check(VerificationLevel level, long amount, long used24h, int count24h, long integrator) {
        return CHECKER.check(new LimitRequest(level, amount, used24h, count24h, integrator));
    }

    private static LimitOutcome.Refused refused(LimitOutcome o) {
        assertThat(o).isInstanceOf(LimitOutcome.Refused.class);
        return (LimitOutcome.Refused) o;
    }

    @Test
    void validationNamesTheBadField() {
        assertThatThrownBy(() -> new LevelLimits(0, 1, 1, 1, 1)).hasMessageStartingWith("minPerCashoutBaseUnits:");
        assertThatThrownBy(() -> new LevelLimits(5, 4, 10, 1, 10)).hasMessageStartingWith("maxPerCashoutBaseUnits:");
        assertThatThrownBy(() -> new LevelLimits(1, 10, 9, 1, 10)).hasMessageStartingWith("rolling24hAmountBaseUnits:");
        assertThatThrownBy(() -> new LevelLimits(1, 10, 10, 0, 10)).hasMessageStartingWith("rolling24hCount:");
        assertThatThrownBy(() -> new LevelLimits(1, 10, 10, LevelLimits.MAX_ROLLING_24H_COUNT + 1, 10))
                .hasMessageStartingWith("rolling24hCount:");
        assertThatThrownBy(() -> new LevelLimits(1, 10, 10, 1, 9)).hasMessageStartingWith("integratorDailyVolumeBaseUnits:");
        assertThatThrownBy(() -> new Limits(0, Map.of(VerificationLevel.BASIC, BASIC, VerificationLevel.FULL, FULL)))
                .isInstanceOf(RuleConfigException.class).hasMessageStartingWith("version:");
        assertThatThrownBy(() -> new Limits(1, Map.of(VerificationLevel.BASIC, BASIC)))
                .hasMessageStartingWith("byLevel.FULL:");
        Map<VerificationLevel, LevelLimits> withNone = new EnumMap<>(VerificationLevel.class);
        withNone.put(VerificationLevel.NONE, BASIC);
        withNone.put(VerificationLevel.BASIC, BASIC);
        withNone.put(VerificationLevel.FULL, FULL);
        assertThatThrownBy(() -> new Limits(1, withNone)).isInstanceOf(RuleConfigException.class)
                .satisfies(e -> assertThat(((RuleConfigException) e).field()).isEqualTo("byLevel.NONE"));
        new LevelLimits(1, 1, 1, 1, 1); // tightest valid
    }

    @Test
    void unverifiedAccountsNeedVerification() {
        LimitOutcome.Refused r = refused(check(VerificationLevel.NONE, 2_000_000, 0, 0, 0));
        assertThat(r.code().code()).isEqualTo("verification_required");
        assertThat(r.limit()).isEqualTo(LimitName.VERIFICATION_LEVEL);
        assertThat(r.maxAllowedNowBaseUnits()).isZero();
        assertThat(r.limitsVersion()).isEqualTo(7);
    }

    @Test
    void perCashoutMinimumHitMissBoundary() {
        assertThat(check(VerificationLevel.BASIC, 1_000_000, 0, 0, 0)).isInstanceOf(LimitOutcome.Allowed.class);
        LimitOutcome.Refused r = refused(check(VerificationLevel.BASIC, 999_999, 0, 0, 0));
        assertThat(r.code().code()).isEqualTo("limit_exceeded");
        assertThat(r.limit().code()).isEqualTo("per_cashout_min");
        assertThat(r.limitValue()).isEqualTo(1_000_000);
        assertThat(r.maxAllowedNowBaseUnits()).isEqualTo(500_000_000);
    }

    @Test
    void perCashoutMaximumHitMissBoundary() {
        assertThat(check(VerificationLevel.BASIC, 500_000_000, 0, 0, 0)).isInstanceOf(LimitOutcome.Allowed.class);
        LimitOutcome.Refused r = refused(check(VerificationLevel.BASIC, 500_000_001, 0, 0, 0));
        assertThat(r.limit()).isEqualTo(LimitName.PER_CASHOUT_MAX);
        assertThat(r.headroom()).isEqualTo(500_000_000);
        // The same amount is fine for a FULL account.
        assertThat(check(VerificationLevel.FULL, 500_000_001, 0, 0, 0)).isInstanceOf(LimitOutcome.Allowed.class);
    }

    @Test
    void rolling24hCountHitMissBoundary() {
        assertThat(check(VerificationLevel.BASIC, 1_000_000, 0, 4, 0)).isInstanceOf(LimitOutcome.Allowed.class);
        LimitOutcome.Refused r = refused(check(VerificationLevel.BASIC, 1_000_000, 0, 5, 0));
        assertThat(r.limit()).isEqualTo(LimitName.ACCOUNT_24H_COUNT);
        assertThat(r.limit().unit()).isEqualTo(LimitName.Unit.COUNT);
        assertThat(r.limitValue()).isEqualTo(5);
        assertThat(r.headroom()).isZero();
        assertThat(r.maxAllowedNowBaseUnits()).isZero();
        // Allowed at count 4 leaves nothing for a sixth.
        assertThat(((LimitOutcome.Allowed) check(VerificationLevel.BASIC, 1_000_000, 0, 4, 0)).maxAllowedNextBaseUnits()).isZero();
    }

    @Test
    void rolling24hAmountHitMissBoundary() {
        assertThat(check(VerificationLevel.BASIC, 300_000_000, 700_000_000, 1, 0)).isInstanceOf(LimitOutcome.Allowed.class);
        LimitOutcome.Refused r = refused(check(VerificationLevel.BASIC, 300_000_001, 700_000_000, 1, 0));
        assertThat(r.limit()).isEqualTo(LimitName.ACCOUNT_24H_AMOUNT);
        assertThat(r.headroom()).isEqualTo(300_000_000);
        assertThat(r.maxAllowedNowBaseUnits()).isEqualTo(300_000_000);
        assertThat(r.detail()).contains("300000000");
        // Used above a lowered limit: no headroom, no negative figures.
        LimitOutcome.Refused over = refused(check(VerificationLevel.BASIC, 1_000_000, Long.MAX_VALUE, 1, 0));
        assertThat(over.headroom()).isZero();
        // Remaining allowance under the minimum: nothing can pass.
        assertThat(refused(check(VerificationLevel.BASIC, 1_000_000, 999_500_000, 1, 0)).maxAllowedNowBaseUnits()).isZero();
    }

    @Test
    void integratorDailyVolumeHitMissBoundary() {
        long cap = BASIC.integratorDailyVolumeBaseUnits();
        assertThat(check(VerificationLevel.BASIC, 2_000_000, 0, 0, cap - 2_000_000)).isInstanceOf(LimitOutcome.Allowed.class);
        LimitOutcome.Refused r = refused(check(VerificationLevel.BASIC, 2_000_001, 0, 0, cap - 2_000_000));
        assertThat(r.limit()).isEqualTo(LimitName.INTEGRATOR_DAILY_VOLUME);
        assertThat(r.headroom()).isEqualTo(2_000_000);
        // A FULL account of the same integrator still has room (its level's cap is higher).
        assertThat(check(VerificationLevel.FULL, 2_000_001, 0, 0, cap - 2_000_000)).isInstanceOf(LimitOutcome.Allowed.class);
    }

    @Test
    void firstFailingLimitInOrderIsReported() {
        // Over max, over count and over 24h amount at once: max is checked first.
        assertThat(refused(check(VerificationLevel.BASIC, 600_000_000, 900_000_000, 9, Long.MAX_VALUE)).limit())
                .isEqualTo(LimitName.PER_CASHOUT_MAX);
        assertThat(refused(check(VerificationLevel.BASIC, 200_000_000, 900_000_000, 9, Long.MAX_VALUE)).limit())
                .isEqualTo(LimitName.ACCOUNT_24H_COUNT);
        assertThat(refused(check(VerificationLevel.BASIC, 200_000_000, 900_000_000, 1, Long.MAX_VALUE)).limit())
                .isEqualTo(LimitName.ACCOUNT_24H_AMOUNT);
    }

    @Test
    void rejectsMalformedRequests() {
        assertThatThrownBy(() -> new LimitRequest(VerificationLevel.BASIC, 0, 0, 0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LimitRequest(VerificationLevel.BASIC, 1, -1, 0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LimitRequest(null, 1, 0, 0, 0)).isInstanceOf(NullPointerException.class);
    }

    /** Random limits and usage against a BigInteger-free but overflow-aware reference model. */
    @Test
    void propertyAgreesWithAReferenceModel() {
        SplittableRandom rnd = new SplittableRandom(0x5EED_6L);
        VerificationLevel[] levels = VerificationLevel.values();
        int allowed = 0;
        for (int i = 0; i < 50_000; i++) {
            long min = rnd.nextLong(1, 1_000);
            long max = min + rnd.nextLong(0, 100_000);
            long day = max + rnd.nextLong(0, 1_000_000);
            int count = rnd.nextInt(1, 20);
            long integ = max + rnd.nextLong(0, 10_000_000);
            LevelLimits ll = new LevelLimits(min, max, day, count, integ);
            LimitChecker checker = new LimitChecker(new Limits(1, Map.of(VerificationLevel.BASIC, ll,
                    VerificationLevel.FULL, ll)));
            VerificationLevel level = levels[rnd.nextInt(levels.length)];
            long amount = rnd.nextLong(1, max * 2 + 2);
            long used = rnd.nextInt(10) == 0 ? rnd.nextLong(0, Long.MAX_VALUE) : rnd.nextLong(0, day + 1);
            int usedCount = rnd.nextInt(0, count + 2);
            long integUsed = rnd.nextInt(10) == 0 ? rnd.nextLong(0, Long.MAX_VALUE) : rnd.nextLong(0, integ + 1);

            LimitOutcome out = checker.check(new LimitRequest(level, amount, used, usedCount, integUsed));

            boolean expectAllowed = level != VerificationLevel.NONE && amount >= min && amount <= max
                    && usedCount < count
                    && Math.addExact(Math.min(used, day + 1), amount) <= day
                    && Math.addExact(Math.min(integUsed, integ + 1), amount) <= integ;
            assertThat(out instanceof LimitOutcome.Allowed).as("case %d", i).isEqualTo(expectAllowed);

            // The headroom figure is exact: maxAllowedNow passes, one more does not.
            long now = switch (out) {
                case LimitOutcome.Allowed a -> {
                    allowed++;
                    yield LimitChecker.maxAllowed(ll, used, usedCount, integUsed);
                }
                case LimitOutcome.Refused r -> r.maxAllowedNowBaseUnits();
            };
            if (level != VerificationLevel.NONE) {
                if (now > 0) {
                    assertThat(checker.check(new LimitRequest(level, now, used, usedCount, integUsed)))
                            .isInstanceOf(LimitOutcome.Allowed.class);
                }
                if (now < Long.MAX_VALUE && now + 1 >= min) {
                    assertThat(checker.check(new LimitRequest(level, now + 1, used, usedCount, integUsed)))
                            .isInstanceOf(LimitOutcome.Refused.class);
                }
                if (out instanceof LimitOutcome.Allowed a && a.maxAllowedNextBaseUnits() > 0) {
                    assertThat(checker.check(new LimitRequest(level, a.maxAllowedNextBaseUnits(), used + amount,
                            usedCount + 1, integUsed + amount))).isInstanceOf(LimitOutcome.Allowed.class);
                }
            }
        }
        assertThat(allowed).isGreaterThan(5_000);
    }
}
