package io.microsettle.security;

/**
 * A token bucket kept as one number per caller (plain Java; times are passed in, in microseconds):
 * the generic cell rate algorithm. A bucket of {@code burst} tokens refilled one token every
 * {@code emissionIntervalMicros} is equivalent to a "theoretical arrival time" (TAT): a request at
 * {@code now} passes when {@code TAT <= now + (burst - 1) * interval}, and moves TAT to
 * {@code max(TAT, now) + interval}. One number is what lets every replica share a caller's
 * bucket in one conditional UPDATE ({@link RateLimitStore}); this class is its reference.
 */
public record TokenBucket(long burst, long emissionIntervalMicros) {
    /** No bucket may take longer than this to refill from empty (keeps the arithmetic far from overflow). */
    static final long MAX_REFILL_MICROS = 366L * 24 * 3600 * 1_000_000;
    static final long MICROS_PER_SECOND = 1_000_000;

    /**
     * The outcome of one request decided at {@code atMicros}: allowed (tokens left) or refused (whole
     * seconds to wait); tatMicros is the stored TAT after it.
     */
    public record Decision(boolean allowed, long tatMicros, long remaining, long retryAfterSeconds, long atMicros) {}

    public TokenBucket {
        if (burst < 1) throw new IllegalArgumentException("burst must be at least 1");
        if (emissionIntervalMicros < 1) throw new IllegalArgumentException("the emission interval must be at least 1 µs");
        if (burst > MAX_REFILL_MICROS / emissionIntervalMicros) {
            throw new IllegalArgumentException("burst × interval must be at most a year");
        }
    }

    /** A bucket of {@code burst} requests refilled at {@code requestsPerSecond} (at most 1,000,000 a second). */
    public static TokenBucket of(long burst, double requestsPerSecond) {
        if (!(requestsPerSecond > 0) || requestsPerSecond > MICROS_PER_SECOND) {
            throw new IllegalArgumentException("requestsPerSecond must be > 0 and at most 1000000");
        }
        double intervalMicros = MICROS_PER_SECOND / requestsPerSecond;
        if (intervalMicros > MAX_REFILL_MICROS) throw new IllegalArgumentException("requestsPerSecond is below one a year");
        return new TokenBucket(burst, Math.max(1, Math.round(intervalMicros)));
    }

    /** How far past now the TAT may be for a request to pass: burst − 1 intervals. */
    public long allowAheadMicros() {
        return (burst - 1) * emissionIntervalMicros;
    }

    /** One request at {@code nowMicros} against the stored TAT ({@link Long#MIN_VALUE}: none, a full bucket). */
    public Decision take(long storedTatMicros, long nowMicros) {
        if (storedTatMicros <= nowMicros + allowAheadMicros()) {
            return allowed(Math.max(storedTatMicros, nowMicros) + emissionIntervalMicros, nowMicros);
        }
        return refused(storedTatMicros, nowMicros);
    }

    /** The decision for a request that moved the TAT to {@code tatMicros}: how many more would pass right now. */
    public Decision allowed(long tatMicros, long nowMicros) {
        long slackMicros = nowMicros + allowAheadMicros() - tatMicros;
        long remaining = slackMicros < 0 ? 0 : Math.min(burst - 1, slackMicros / emissionIntervalMicros + 1);
        return new Decision(true, tatMicros, remaining, 0, nowMicros);
    }

    /** The decision for a request refused at TAT {@code tatMicros}: whole seconds until one passes (at least 1). */
    public Decision refused(long tatMicros, long nowMicros) {
        long waitMicros = tatMicros - allowAheadMicros() - nowMicros;
        assert waitMicros > 0 : "a refused request has something to wait for";
        return new Decision(false, tatMicros, 0, Math.max(1, Math.ceilDiv(waitMicros, MICROS_PER_SECOND)), nowMicros);
    }
}
