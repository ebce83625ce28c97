package io.microsettle.pricing.rules;

import io.microsettle.infra.IntMath;
import io.microsettle.infra.RuleConfigException;
import io.microsettle.account.VerificationLevel;

import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A versioned fee schedule. The service fee is basis points of the gross chosen by the
 * account's verification level and rolling 30-day volume tier, then clamped to
 * [{@code minServiceFeeBaseUnits}, {@code maxServiceFeeBaseUnits}]. The net of any quote must
 * be at least {@code minPayoutBaseUnits}.
 *
 * <p>Validation (each failure names its field): version >= 1; exactly BASIC and FULL have
 * tiers (NONE cannot cash out); 1..{@value #MAX_TIERS} tiers per level, the first from volume
 * 0, thresholds strictly ascending, bps in 0..10000 and non-increasing (more volume never
 * costs more, which also makes fees monotone in volume); 0 <= min fee <= max fee; min payout >= 1.
 */
public record FeeSchedule(
        long version,
        Map<VerificationLevel, List<FeeTier>> tiersByLevel,
        long minServiceFeeBaseUnits,
        long maxServiceFeeBaseUnits,
        long minPayoutBaseUnits) {

    public static final int MAX_TIERS = 16;
    public static final int BPS_DENOMINATOR = 10_000;

    public FeeSchedule {
        RuleConfigException.requireRange("version", version, 1, Long.MAX_VALUE);
        RuleConfigException.requireNonNull("tiersByLevel", tiersByLevel);
        EnumMap<VerificationLevel, List<FeeTier>> copy = new EnumMap<>(VerificationLevel.class);
        for (Map.Entry<VerificationLevel, List<FeeTier>> e : tiersByLevel.entrySet()) {
            RuleConfigException.requireNonNull("tiersByLevel key", e.getKey());
            String field = "tiersByLevel." + e.getKey();
            if (e.getKey() == VerificationLevel.NONE) {
                throw new RuleConfigException(field, "NONE cannot cash out and takes no fee tiers");
            }
            copy.put(e.getKey(), validateTiers(field, e.getValue()));
        }
        for (VerificationLevel level : new VerificationLevel[] {VerificationLevel.BASIC, VerificationLevel.FULL}) {
            if (!copy.containsKey(level)) {
                throw new RuleConfigException("tiersByLevel." + level, "is required");
            }
        }
        tiersByLevel = Collections.unmodifiableMap(copy);
        RuleConfigException.requireRange("minServiceFeeBaseUnits", minServiceFeeBaseUnits, 0, Long.MAX_VALUE);
        RuleConfigException.requireRange("maxServiceFeeBaseUnits", maxServiceFeeBaseUnits, minServiceFeeBaseUnits,
                Long.MAX_VALUE);
        RuleConfigException.requireRange("minPayoutBaseUnits", minPayoutBaseUnits, 1, Long.MAX_VALUE);
    }

    private static List<FeeTier> validateTiers(String field, List<FeeTier> tiers) {
        RuleConfigException.requireNonNull(field, tiers);
        if (tiers.isEmpty() || tiers.size() > MAX_TIERS) {
            throw new RuleConfigException(field, "needs 1 to " + MAX_TIERS + " tiers, had " + tiers.size());
        }
        for (int i = 0; i < tiers.size(); i++) {
            String f = field + "[" + i + "]";
            FeeTier t = RuleConfigException.requireNonNull(f, tiers.get(i));
            RuleConfigException.requireRange(f + ".serviceFeeBps", t.serviceFeeBps(), 0, BPS_DENOMINATOR);
            if (i == 0) {
                if (t.fromVolumeBaseUnits() != 0) {
                    throw new RuleConfigException(f + ".fromVolumeBaseUnits", "the first tier must start at 0, was "
                            + t.fromVolumeBaseUnits());
                }
                continue;
            }
            FeeTier prev = tiers.get(i - 1);
            if (t.fromVolumeBaseUnits() <= prev.fromVolumeBaseUnits()) {
                throw new RuleConfigException(f + ".fromVolumeBaseUnits", "thresholds must ascend strictly: "
                        + t.fromVolumeBaseUnits() + " after " + prev.fromVolumeBaseUnits());
            }
            if (t.serviceFeeBps() > prev.serviceFeeBps()) {
                throw new RuleConfigException(f + ".serviceFeeBps", "must not exceed the lower tier's "
                        + prev.serviceFeeBps() + " (more volume never costs more), was " + t.serviceFeeBps());
            }
        }
        return List.copyOf(tiers);
    }

    /** The tiers of a level; empty for a level that cannot cash out (NONE). */
    public Optional<List<FeeTier>> tiersFor(VerificationLevel level) {
        return Optional.ofNullable(tiersByLevel.get(level));
    }

    /** The tier that applies: the last one whose threshold is <= the volume. */
    public Optional<FeeTier> tierFor(VerificationLevel level, long rolling30dVolumeBaseUnits) {
        if (rolling30dVolumeBaseUnits < 0) {
            throw new IllegalArgumentException("rolling30dVolumeBaseUnits must be >= 0");
        }
        return tiersFor(level).map(tiers -> {
            FeeTier chosen = tiers.get(0);
            for (FeeTier t : tiers) {
                if (t.fromVolumeBaseUnits() <= rolling30dVolumeBaseUnits) {
                    chosen = t;
                }
            }
            return chosen;
        });
    }

    /**
     * Service fee for a gross at a rate: ceil(gross * bps / 10000), rounded UP to the base unit
     * so the service never under-charges, then clamped to [min, max] service fee.
     */
    public long serviceFeeBaseUnits(int serviceFeeBps, long grossBaseUnits) {
        if (grossBaseUnits < 0) {
            throw new IllegalArgumentException("grossBaseUnits must be >= 0");
        }
        long raw = IntMath.mulDivCeil(grossBaseUnits, serviceFeeBps, BPS_DENOMINATOR);
        return Math.min(maxServiceFeeBaseUnits, Math.max(minServiceFeeBaseUnits, raw));
    }
}
