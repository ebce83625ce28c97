package io.microsettle.risk.rules;

import io.microsettle.infra.RuleConfigException;
import io.microsettle.account.VerificationLevel;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * Versioned transaction limits by verification level. NONE must not appear: an unverified
 * account cannot cash out ({@code verification_required}). BASIC and FULL are both required.
 */
public record Limits(long version, Map<VerificationLevel, LevelLimits> byLevel) {

    public Limits {
        RuleConfigException.requireRange("version", version, 1, Long.MAX_VALUE);
        RuleConfigException.requireNonNull("byLevel", byLevel);
        EnumMap<VerificationLevel, LevelLimits> copy = new EnumMap<>(VerificationLevel.class);
        for (Map.Entry<VerificationLevel, LevelLimits> e : byLevel.entrySet()) {
            RuleConfigException.requireNonNull("byLevel key", e.getKey());
            String field = "byLevel." + e.getKey();
            if (e.getKey() == VerificationLevel.NONE) {
                throw new RuleConfigException(field, "NONE cannot cash out and takes no limits");
            }
            LevelLimits l = RuleConfigException.requireNonNull(field, e.getValue());
            // Re-validate with the level in the field path (a record may have come from JSON).
            LevelLimits.validate(field + ".", l.minPerCashoutBaseUnits(), l.maxPerCashoutBaseUnits(),
                    l.rolling24hAmountBaseUnits(), l.rolling24hCount(), l.integratorDailyVolumeBaseUnits());
            copy.put(e.getKey(), l);
        }
        for (VerificationLevel level : new VerificationLevel[] {VerificationLevel.BASIC, VerificationLevel.FULL}) {
            if (!copy.containsKey(level)) {
                throw new RuleConfigException("byLevel." + level, "is required");
            }
        }
        byLevel = Collections.unmodifiableMap(copy);
    }

    /** The limits of a level, empty for NONE. */
    public Optional<LevelLimits> forLevel(VerificationLevel level) {
        return Optional.ofNullable(byLevel.get(level));
    }
}
