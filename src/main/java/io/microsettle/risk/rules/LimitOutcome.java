package io.microsettle.risk.rules;

import java.util.Objects;

/** Result of {@link LimitChecker#check}. */
public sealed interface LimitOutcome permits LimitOutcome.Allowed, LimitOutcome.Refused {

    long limitsVersion();

    /**
     * The cash-out is within every limit.
     *
     * @param maxAllowedNextBaseUnits largest gross a further cash-out could have right after this
     *                                one (0 when none could)
     */
    record Allowed(long limitsVersion, long maxAllowedNextBaseUnits) implements LimitOutcome {
        public Allowed {
            if (maxAllowedNextBaseUnits < 0) {
                throw new IllegalArgumentException("maxAllowedNextBaseUnits < 0");
            }
        }
    }

    /**
     * The cash-out is refused.
     *
     * @param code                  {@code limit_exceeded} or {@code verification_required}
     * @param limit                 the first limit (in {@link LimitName} order) that failed
     * @param limitValue            that limit's configured value, in {@code limit.unit()} (0 for VERIFICATION_LEVEL)
     * @param headroom              what is left under that limit, in {@code limit.unit()}
     * @param maxAllowedNowBaseUnits largest gross that would pass every limit now (0 when none would)
     * @param detail                a human sentence for the problem's {@code detail}
     */
    record Refused(
            long limitsVersion,
            RiskRefusalCode code,
            LimitName limit,
            long limitValue,
            long headroom,
            long maxAllowedNowBaseUnits,
            String detail) implements LimitOutcome {
        public Refused {
            Objects.requireNonNull(code, "code");
            Objects.requireNonNull(limit, "limit");
            Objects.requireNonNull(detail, "detail");
            if ((code == RiskRefusalCode.VERIFICATION_REQUIRED) != (limit == LimitName.VERIFICATION_LEVEL)) {
                throw new IllegalArgumentException("verification_required goes with verification_level only");
            }
            if (headroom < 0 || maxAllowedNowBaseUnits < 0 || limitValue < 0) {
                throw new IllegalArgumentException("negative figure in refusal");
            }
        }
    }
}
