package io.microsettle.risk.rules;

/**
 * The limit a refusal names. {@link #unit()} says what {@code LimitOutcome.Refused#limitValue}
 * and {@code #headroom} count. Declaration order is the order the checks run in.
 */
public enum LimitName {
    /** The account's level may not cash out at all. */
    VERIFICATION_LEVEL("verification_level", Unit.NONE),
    /** Floor per cash-out; a floor has no headroom (reported as 0). */
    PER_CASHOUT_MIN("per_cashout_min", Unit.BASE_UNITS),
    /** Ceiling per cash-out; headroom is the ceiling itself. */
    PER_CASHOUT_MAX("per_cashout_max", Unit.BASE_UNITS),
    /** Cash-outs per account in the rolling 24 h; headroom is the count left. */
    ACCOUNT_24H_COUNT("account_24h_count", Unit.COUNT),
    /** Gross per account in the rolling 24 h; headroom is the amount left. */
    ACCOUNT_24H_AMOUNT("account_24h_amount", Unit.BASE_UNITS),
    /** Gross per integrator per day; headroom is the amount left. */
    INTEGRATOR_DAILY_VOLUME("integrator_daily_volume", Unit.BASE_UNITS);

    public enum Unit { NONE, BASE_UNITS, COUNT }

    private final String code;
    private final Unit unit;

    LimitName(String code, Unit unit) {
        this.code = code;
        this.unit = unit;
    }

    public String code() {
        return code;
    }

    public Unit unit() {
        return unit;
    }
}
