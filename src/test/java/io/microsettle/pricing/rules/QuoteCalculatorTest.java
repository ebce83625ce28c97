package io.microsettle.pricing.rules;

import io.microsettle.account.VerificationLevel;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class QuoteCalculatorTest {

    private static final QuoteCalculator CALC = new QuoteCalculator(Fixtures.schedule());
    private static final long NETWORK = 1_064_131; // Fixtures.gas(), see NetworkFeeEstimatorTest

    private static QuoteOutcome price(long gross, VerificationLevel level, long volume) {
        return CALC.price(new QuoteRequest(gross, level, volume, Fixtures.gas()));
    }

    @Test
    void pricesAWorkedExample() {
        // 100 TUSD, BASIC, no volume: 25 bps = 250000 service, 1064131 network.
        QuoteOutcome.Priced p = (QuoteOutcome.Priced) price(100_000_000, VerificationLevel.BASIC, 0);
        assertThat(p.serviceFeeBaseUnits()).isEqualTo(250_000);
        assertThat(p.networkFeeBaseUnits()).isEqualTo(NETWORK);
        assertThat(p.feeBaseUnits()).isEqualTo(1_314_131);
        assertThat(p.netBaseUnits()).isEqualTo(98_685_869);
        assertThat(p.feeScheduleVersion()).isEqualTo(3);
        assertThat(p.serviceFeeBps()).isEqualTo(25);
        assertThat(p.tierFromVolumeBaseUnits()).isZero();
        assertThat(p.gasInputs()).isEqualTo(Fixtures.gas());
    }

    @Test
    void higherLevelAndVolumePayLess() {
        long basic = ((QuoteOutcome.Priced) price(100_000_000, VerificationLevel.BASIC, 0)).serviceFeeBaseUnits();
        long full = ((QuoteOutcome.Priced) price(100_000_000, VerificationLevel.FULL, 0)).serviceFeeBaseUnits();
        long fullHighVolume = ((QuoteOutcome.Priced) price(100_000_000, VerificationLevel.FULL, 100_000_000_000L))
                .serviceFeeBaseUnits();
        assertThat(basic).isEqualTo(250_000);
        assertThat(full).isEqualTo(150_000);
        assertThat(fullHighVolume).isEqualTo(50_000);
    }

    @Test
    void serviceFeeRoundsUpAndClamps() {
        // 25 bps of 40_000_001 = 100000.0025 -> 100001.
        assertThat(((QuoteOutcome.Priced) price(40_000_001, VerificationLevel.BASIC, 0)).serviceFeeBaseUnits())
                .isEqualTo(100_001);
        // 25 bps of 2 TUSD = 5000 -> min 10000.
        assertThat(((QuoteOutcome.Priced) price(2_000_000, VerificationLevel.BASIC, 0)).serviceFeeBaseUnits())
                .isEqualTo(10_000);
        // 25 bps of 1e12 = 2.5e9 -> max 5e7.
        assertThat(((QuoteOutcome.Priced) price(1_000_000_000_000L, VerificationLevel.BASIC, 0)).serviceFeeBaseUnits())
                .isEqualTo(50_000_000);
    }

    @Test
    void refusesNonPositiveAmounts() {
        for (long gross : new long[] {0, -1, Long.MIN_VALUE}) {
            QuoteOutcome.Refused r = (QuoteOutcome.Refused) price(gross, VerificationLevel.FULL, 0);
            assertThat(r.code()).isEqualTo(QuoteRefusalCode.INVALID_AMOUNT);
            assertThat(r.code().code()).isEqualTo("invalid_amount");
        }
    }

    @Test
    void refusesUnverifiedAccounts() {
        QuoteOutcome.Refused r = (QuoteOutcome.Refused) price(100_000_000, VerificationLevel.NONE, 0);
        assertThat(r.code().code()).isEqualTo("verification_required");
        assertThat(r.minimumGrossBaseUnits()).isEmpty();
    }

    @Test
    void amountTooSmallAtTheExactBoundary() {
        // net = g - max(10000, ceil(25 g / 10000)) - 1064131 >= 100000 -> g >= 1174131 (service is the 10000 minimum there).
        long boundary = 100_000 + 10_000 + NETWORK;
        QuoteOutcome.Priced ok = (QuoteOutcome.Priced) price(boundary, VerificationLevel.BASIC, 0);
        assertThat(ok.netBaseUnits()).isEqualTo(100_000);
        QuoteOutcome.Refused r = (QuoteOutcome.Refused) price(boundary - 1, VerificationLevel.BASIC, 0);
        assertThat(r.code().code()).isEqualTo("amount_too_small");
        assertThat(r.minimumGrossBaseUnits()).hasValue(boundary);
        assertThat(r.detail()).contains("minimum payout of 100000").contains(String.valueOf(boundary));
        QuoteOutcome.Refused tiny = (QuoteOutcome.Refused) price(1, VerificationLevel.BASIC, 0);
        assertThat(tiny.minimumGrossBaseUnits()).hasValue(boundary);
    }

    @Test
    void noAmountPricesWhenTheRateTakesEverything() {
        FeeSchedule all = new FeeSchedule(1, Map.of(
                VerificationLevel.BASIC, List.of(new FeeTier(0, 10_000)),
                VerificationLevel.FULL, List.of(new FeeTier(0, 10_000))), 0, Long.MAX_VALUE, 1);
        QuoteOutcome.Refused r = (QuoteOutcome.Refused) new QuoteCalculator(all)
                .price(new QuoteRequest(Long.MAX_VALUE, VerificationLevel.FULL, 0, Fixtures.gas()));
        assertThat(r.code()).isEqualTo(QuoteRefusalCode.AMOUNT_TOO_SMALL);
        assertThat(r.minimumGrossBaseUnits()).isEmpty();
    }

    @Test
    void handlesTheLargestGross() {
        QuoteOutcome.Priced p = (QuoteOutcome.Priced) price(Long.MAX_VALUE, VerificationLevel.BASIC, Long.MAX_VALUE);
        assertThat(p.netBaseUnits() + p.feeBaseUnits()).isEqualTo(Long.MAX_VALUE);
        assertThat(p.serviceFeeBaseUnits()).isEqualTo(50_000_000);
    }

    /** Reference model in BigInteger, written independently of the production arithmetic. */
    private static QuoteOutcome reference(FeeSchedule s, long gross, VerificationLevel level, long volume, GasInputs g) {
        if (gross <= 0) {
            return null;
        }
        List<FeeTier> tiers = s.tiersByLevel().get(level);
        if (tiers == null) {
            return null;
        }
        int bps = tiers.stream().filter(t -> t.fromVolumeBaseUnits() <= volume)
                .reduce((a, b) -> b).orElseThrow().serviceFeeBps();
        BigInteger[] qr = BigInteger.valueOf(gross).multiply(BigInteger.valueOf(bps)).divideAndRemainder(BigInteger.valueOf(10_000));
        BigInteger service = qr[0].add(qr[1].signum() > 0 ? BigInteger.ONE : BigInteger.ZERO)
                .max(BigInteger.valueOf(s.minServiceFeeBaseUnits())).min(BigInteger.valueOf(s.maxServiceFeeBaseUnits()));
        BigInteger network = BigInteger.valueOf(NetworkFeeEstimator.estimate(g).networkFeeBaseUnits());
        BigInteger net = BigInteger.valueOf(gross).subtract(service).subtract(network);
        if (net.compareTo(BigInteger.valueOf(s.minPayoutBaseUnits())) < 0) {
            return new QuoteOutcome.Refused(QuoteRefusalCode.AMOUNT_TOO_SMALL, "", java.util.OptionalLong.empty());
        }
        return new QuoteOutcome.Priced(gross, service.longValueExact(), network.longValueExact(),
                service.add(network).longValueExact(), net.longValueExact(), s.version(), bps, 0,
                NetworkFeeEstimator.estimate(g));
    }

    @Test
    void propertyInvariantsOverRandomQuotes() {
        SplittableRandom rnd = new SplittableRandom(Fixtures.SEED);
        VerificationLevel[] levels = VerificationLevel.values();
        int priced = 0;
        int refused = 0;
        FeeSchedule schedule = Fixtures.schedule();
        QuoteCalculator calc = new QuoteCalculator(schedule);
        for (int i = 0; i < 50_000; i++) {
            if (i % 500 == 0) {
                schedule = i % 1000 == 0 ? Fixtures.schedule() : Fixtures.randomSchedule(rnd);
                calc = new QuoteCalculator(schedule);
            }
            long gross = rnd.nextInt(50) == 0 ? rnd.nextLong(-5, 1) : Fixtures.logUniform(rnd, 63);
            VerificationLevel level = levels[rnd.nextInt(levels.length)];
            long volume = rnd.nextBoolean() ? 0 : Fixtures.logUniform(rnd, 50);
            GasInputs gas = rnd.nextBoolean() ? Fixtures.gas() : Fixtures.randomGas(rnd);

            QuoteOutcome out = calc.price(new QuoteRequest(gross, level, volume, gas));
            QuoteOutcome ref = reference(schedule, gross, level, volume, gas);
            switch (out) {
                case QuoteOutcome.Priced p -> {
                    priced++;
                    assertThat(p.netBaseUnits() + p.feeBaseUnits()).isEqualTo(gross);
                    assertThat(p.serviceFeeBaseUnits() + p.networkFeeBaseUnits()).isEqualTo(p.feeBaseUnits());
                    assertThat(p.netBaseUnits()).isGreaterThanOrEqualTo(schedule.minPayoutBaseUnits());
                    assertThat(p.serviceFeeBaseUnits()).isBetween(schedule.minServiceFeeBaseUnits(),
                            schedule.maxServiceFeeBaseUnits());
                    assertThat(ref).isInstanceOf(QuoteOutcome.Priced.class);
                    QuoteOutcome.Priced r = (QuoteOutcome.Priced) ref;
                    assertThat(p.serviceFeeBaseUnits()).isEqualTo(r.serviceFeeBaseUnits());
                    assertThat(p.netBaseUnits()).isEqualTo(r.netBaseUnits());
                    assertThat(p.serviceFeeBps()).isEqualTo(r.serviceFeeBps());
                    // Fuller 30-day volume never costs more.
                    long more = volume + rnd.nextLong(0, Long.MAX_VALUE - volume);
                    QuoteOutcome.Priced p2 = (QuoteOutcome.Priced) calc.price(new QuoteRequest(gross, level, more, gas));
                    assertThat(p2.feeBaseUnits()).isLessThanOrEqualTo(p.feeBaseUnits());
                }
                case QuoteOutcome.Refused r -> {
                    refused++;
                    switch (r.code()) {
                        case INVALID_AMOUNT -> assertThat(gross).isLessThanOrEqualTo(0);
                        case VERIFICATION_REQUIRED -> assertThat(level).isEqualTo(VerificationLevel.NONE);
                        case AMOUNT_TOO_SMALL -> {
                            assertThat(ref).isInstanceOf(QuoteOutcome.Refused.class);
                            r.minimumGrossBaseUnits().ifPresent(min -> assertThat(min).isGreaterThan(gross));
                        }
                    }
                }
            }
        }
        // The generator must exercise both branches substantially.
        assertThat(priced).isGreaterThan(10_000);
        assertThat(refused).isGreaterThan(5_000);
    }

    @Test
    void propertyNetNeverDecreasesAsGrossGrows() {
        SplittableRandom rnd = new SplittableRandom(Fixtures.SEED + 1);
        for (int i = 0; i < 20_000; i++) {
            long gross = Fixtures.logUniform(rnd, 40);
            long step = rnd.nextInt(1, 3);
            VerificationLevel level = rnd.nextBoolean() ? VerificationLevel.BASIC : VerificationLevel.FULL;
            long a = netOrMinusOne(price(gross, level, 0));
            long b = netOrMinusOne(price(gross + step, level, 0));
            assertThat(b).as("gross %d", gross).isGreaterThanOrEqualTo(a);
        }
    }

    private static long netOrMinusOne(QuoteOutcome o) {
        return o instanceof QuoteOutcome.Priced p ? p.netBaseUnits() : -1;
    }

    @Test
    void propertyMinimumGrossIsExact() {
        SplittableRandom rnd = new SplittableRandom(Fixtures.SEED + 2);
        for (int i = 0; i < 3_000; i++) {
            FeeSchedule s = Fixtures.randomSchedule(rnd);
            QuoteCalculator calc = new QuoteCalculator(s);
            GasInputs gas = Fixtures.randomGas(rnd);
            VerificationLevel level = rnd.nextBoolean() ? VerificationLevel.BASIC : VerificationLevel.FULL;
            long volume = Fixtures.logUniform(rnd, 40);
            int bps = s.tierFor(level, volume).orElseThrow().serviceFeeBps();
            var min = calc.minimumGrossBaseUnits(bps, NetworkFeeEstimator.estimate(gas).networkFeeBaseUnits());
            if (min.isEmpty()) {
                assertThat(calc.price(new QuoteRequest(Long.MAX_VALUE, level, volume, gas)))
                        .isInstanceOf(QuoteOutcome.Refused.class);
                continue;
            }
            long m = min.getAsLong();
            assertThat(calc.price(new QuoteRequest(m, level, volume, gas))).isInstanceOf(QuoteOutcome.Priced.class);
            if (m > 1) {
                QuoteOutcome below = calc.price(new QuoteRequest(m - 1, level, volume, gas));
                assertThat(below).isInstanceOf(QuoteOutcome.Refused.class);
                assertThat(((QuoteOutcome.Refused) below).minimumGrossBaseUnits()).hasValue(m);
            }
        }
    }
}
