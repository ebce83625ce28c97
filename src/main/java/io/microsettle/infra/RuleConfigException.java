package io.microsettle.infra;

import java.util.Objects;

/**
 * A rule configuration (fee schedule, limits, anomaly thresholds) is invalid. {@link #field()}
 * names the offending field by path (e.g. {@code byLevel.BASIC.maxPerCashoutBaseUnits}) so an
 * admin PUT can answer 400 with a precise message.
 */
public final class RuleConfigException extends IllegalArgumentException {
    private final String field;
    private final String problem;

    public RuleConfigException(String field, String problem) {
        super(Objects.requireNonNull(field) + ": " + Objects.requireNonNull(problem));
        this.field = field;
        this.problem = problem;
    }

    public String field() {
        return field;
    }

    public String problem() {
        return problem;
    }

    /** Throws unless {@code min <= value <= max}. */
    public static long requireRange(String field, long value, long min, long max) {
        if (value < min || value > max) {
            throw new RuleConfigException(field, "must be between " + min + " and " + max + ", was " + value);
        }
        return value;
    }

    public static <T> T requireNonNull(String field, T value) {
        if (value == null) {
            throw new RuleConfigException(field, "is required");
        }
        return value;
    }
}
