package io.microsettle.pricing.rules;

import io.microsettle.account.VerificationLevel;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Shared test data and random generators (fixed seeds: failures reproduce). */
final class Fixtures {
    private Fixtures() {}

    static final long SEED = 0x5EED_6L;

    /** 25 bps / 15 bps / 10 bps BASIC, 15 / 10 / 5 FULL; fee 0.01..50 TUSD; min payout 0.10 TUSD. */
    static FeeSchedule schedule() {
        return new FeeSchedule(3, Map.of(
                VerificationLevel.BASIC, List.of(new FeeTier(0, 25), new FeeTier(10_000_000_000L, 15),
                        new FeeTier(100_000_000_000L, 10)),
                VerificationLevel.FULL, List.of(new FeeTier(0, 15), new FeeTier(10_000_000_000L, 10),
                        new FeeTier(100_000_000_000L, 5))),
                10_000, 50_000_000, 100_000);
    }

    static NetworkFeeModel model() {
        return new NetworkFeeModel(28_500, 11_500, 21_000, 60_000, 100, 50, 1_000, 3_000_500_000L, 1);
    }

    /** 10 gwei base fee, 1 gwei tip, 100 payouts a batch, 10 % margin, 3000.5 TUSD per ETH. */
    static GasInputs gas() {
        return model().inputs(new FeeHistory(List.of(9_000_000_000L, 9_500_000_000L, 10_000_000_000L),
                List.of(3_000_000_000L, 500_000_000L, 1_000_000_000L)), true).withExpectedBatchSize(100);
    }

    /** Log-uniform positive long below 2^maxBits. */
    static long logUniform(SplittableRandom rnd, int maxBits) {
        int bits = rnd.nextInt(1, maxBits + 1);
        return rnd.nextLong(1, bits >= 63 ? Long.MAX_VALUE : 1L << bits);
    }

    static GasInputs randomGas(SplittableRandom rnd) {
        long marginal = rnd.nextLong(1, 100_000);
        return new GasInputs(
                marginal,
                rnd.nextLong(0, 30_000),
                rnd.nextLong(0, 200_000),
                rnd.nextInt(1, NetworkFeeModel.MAX_BATCH_SIZE + 1),
                rnd.nextInt(4) == 0 ? 0 : logUniform(rnd, 40),
                rnd.nextInt(4) == 0 ? 0 : logUniform(rnd, 34),
                rnd.nextInt(0, 101),
                rnd.nextInt(0, NetworkFeeModel.MAX_SAFETY_MARGIN_BPS + 1),
                rnd.nextInt(8) == 0 ? 0 : logUniform(rnd, 40),
                logUniform(rnd, 20));
    }

    static FeeSchedule randomSchedule(SplittableRandom rnd) {
        java.util.EnumMap<VerificationLevel, List<FeeTier>> tiers = new java.util.EnumMap<>(VerificationLevel.class);
        for (VerificationLevel level : List.of(VerificationLevel.BASIC, VerificationLevel.FULL)) {
            int count = rnd.nextInt(1, FeeSchedule.MAX_TIERS + 1);
            java.util.ArrayList<FeeTier> list = new java.util.ArrayList<>();
            long from = 0;
            int bps = rnd.nextInt(0, 10_001);
            for (int i = 0; i < count; i++) {
                list.add(new FeeTier(from, bps));
                from += logUniform(rnd, 36);
                bps = rnd.nextInt(0, bps + 1);
            }
            tiers.put(level, list);
        }
        long minFee = rnd.nextInt(3) == 0 ? 0 : logUniform(rnd, 20);
        long maxFee = rnd.nextInt(5) == 0 ? Long.MAX_VALUE : minFee + logUniform(rnd, 40);
        return new FeeSchedule(rnd.nextLong(1, 1000), tiers, minFee, maxFee, logUniform(rnd, 24));
    }
}
