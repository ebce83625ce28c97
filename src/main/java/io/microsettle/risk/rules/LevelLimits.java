package io.microsettle.risk.rules;

import io.microsettle.infra.RuleConfigException;

/**
 * Limits for one verification level. All amounts are gross token base units.
 *
 * @param minPerCashoutBaseUnits          smallest gross of one cash-out (>= 1)
 * @param maxPerCashoutBaseUnits          largest gross of one cash-out
 * @param rolling24hAmountBaseUnits       gross per account over the last 24 h, this one included
 * @param rolling24hCount                 cash-outs per account over the last 24 h, this one included
 * @param integratorDailyVolumeBaseUnits  gross per integrator per day, this one included
 */
public record LevelLimits(
        long minPerCashoutBaseUnits,
        long maxPerCashoutBaseUnits,
        long rolling24hAmountBaseUnits,
        int rolling24hCount,
        long integratorDailyVolumeBaseUnits) {

    /** Sanity ceiling on the 24 h count: more is a configuration typo, not a policy. */
    public static final int MAX_ROLLING_24H_COUNT = 100_000;

    public LevelLimits {
        validate("", minPerCashoutBaseUnits, maxPerCashoutBaseUnits, rolling24hAmountBaseUnits,
                rolling24hCount, integratorDailyVolumeBaseUnits);
    }

    static void validate(String prefix, long min, long max, long amount24h, int count24h, long integratorDaily) {
        RuleConfigException.requireRange(prefix + "minPerCashoutBaseUnits", min, 1, Long.MAX_VALUE);
        // Each ceiling must admit at least the floor, or the level could never cash out.
        RuleConfigException.requireRange(prefix + "maxPerCashoutBaseUnits", max, min, Long.MAX_VALUE);
        RuleConfigException.requireRange(prefix + "rolling24hAmountBaseUnits", amount24h, max, Long.MAX_VALUE);
        RuleConfigException.requireRange(prefix + "rolling24hCount", count24h, 1, MAX_ROLLING_24H_COUNT);
        RuleConfigException.requireRange(prefix + "integratorDailyVolumeBaseUnits", integratorDaily, max, Long.MAX_VALUE);
    }
}
