package io.microsettle.ledger;

import java.math.BigInteger;
import java.util.Map;

/**
 * When an integrator's escrow headroom (funder balance − unsettled obligations) raises or clears
 * the {@code escrow.low} alert: edge-triggered, one alert per crossing below the threshold; the
 * mark is cleared, without an alert, once the headroom is back at or above it. Plain Java.
 */
public final class EscrowLowAlert {
    /** What a funding check does about the alert. */
    public enum Outcome {
        /** Headroom below the threshold and the integrator not marked low: mark it and append escrow.low. */
        RAISE,
        /** Headroom at or above the threshold and the integrator marked low: remove the mark (no event). */
        CLEAR,
        /** Nothing to do: no crossing, or alerts off. */
        NONE
    }

    private EscrowLowAlert() {}

    /**
     * The integrator's threshold in base units: its override
     * ({@code microsettle.funding.low-headroom-overrides.<integrator>}), else the default
     * ({@code low-headroom-base-units}). 0 or less: alerts off for the integrator.
     */
    public static long thresholdBaseUnits(String integratorId, long defaultBaseUnits, Map<String, Long> overrides) {
        Long override = overrides.get(integratorId);
        return override != null ? override : defaultBaseUnits;
    }

    /** Whether alerts are on for this threshold (the service reads the mark only then). */
    public static boolean enabled(long thresholdBaseUnits) {
        return thresholdBaseUnits > 0;
    }

    /**
     * @param headroomBaseUnits  funder balance − obligations, after the cash-out being checked (may be negative)
     * @param thresholdBaseUnits the integrator's threshold; 0 or less: alerts off (NONE, a mark is left as it is)
     * @param wasLow             whether the integrator is marked low (an alert raised and not cleared)
     */
    public static Outcome evaluate(BigInteger headroomBaseUnits, long thresholdBaseUnits, boolean wasLow) {
        if (!enabled(thresholdBaseUnits)) return Outcome.NONE;
        boolean low = headroomBaseUnits.compareTo(BigInteger.valueOf(thresholdBaseUnits)) < 0;
        if (low) return wasLow ? Outcome.NONE : Outcome.RAISE;
        return wasLow ? Outcome.CLEAR : Outcome.NONE;
    }
}
