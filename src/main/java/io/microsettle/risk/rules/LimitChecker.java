package io.microsettle.risk.rules;

import io.microsettle.infra.IntMath;
import io.microsettle.account.VerificationLevel;

import java.util.Objects;
import java.util.Optional;

/**
 * Checks one cash-out against {@link Limits}. Pure: the caller supplies the rolling totals.
 *
 * <p>Order (the first failure is reported): verification level, per-cash-out minimum,
 * per-cash-out maximum, account 24 h count, account 24 h amount, integrator daily volume.
 * Totals that already exceed a lowered limit simply leave 0 headroom. No overflow: used
 * totals are compared through {@code limit - used}, never {@code used + amount}.
 *
 * <p>The integrator volume cap applied is the one of the requesting account's level, against
 * the integrator's whole daily volume, so lower-verified accounts are stopped first as an
 * integrator nears its ceiling.
 */
public final class LimitChecker {

    private final Limits limits;

    public LimitChecker(Limits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    public Limits limits() {
        return limits;
    }

    /**
     * What a quote can be refused by already: the verification level and the per-cash-out minimum
     * and maximum (the first failure, in {@link #check}'s order). Allowed names the per-cash-out maximum.
     */
    public LimitOutcome checkAmount(VerificationLevel level, long amountBaseUnits) {
        long version = limits.version();
        LevelLimits l = limits.forLevel(level).orElse(null);
        if (l == null) return unverified(version, level);
        Optional<LimitOutcome.Refused> refused = amountRefusal(version, l, amountBaseUnits, l.maxPerCashoutBaseUnits());
        return refused.isPresent() ? refused.get() : new LimitOutcome.Allowed(version, l.maxPerCashoutBaseUnits());
    }

    public LimitOutcome check(LimitRequest request) {
        Objects.requireNonNull(request, "request");
        long version = limits.version();
        LevelLimits l = limits.forLevel(request.level()).orElse(null);
        if (l == null) return unverified(version, request.level());
        long amount = request.amountBaseUnits();
        long allowedNow = maxAllowed(l, request.account24hAmountBaseUnits(), request.account24hCount(),
                request.integratorDailyVolumeBaseUnits());
        Optional<LimitOutcome.Refused> amountRefused = amountRefusal(version, l, amount, allowedNow);
        if (amountRefused.isPresent()) return amountRefused.get();
        long countLeft = IntMath.remaining(l.rolling24hCount(), request.account24hCount());
        if (countLeft == 0) {
            return refused(version, LimitName.ACCOUNT_24H_COUNT, l.rolling24hCount(), 0, allowedNow,
                    "the account has made " + request.account24hCount() + " cash-outs in 24 h; the limit is "
                            + l.rolling24hCount());
        }
        long accountLeft = IntMath.remaining(l.rolling24hAmountBaseUnits(), request.account24hAmountBaseUnits());
        if (amount > accountLeft) {
            return refused(version, LimitName.ACCOUNT_24H_AMOUNT, l.rolling24hAmountBaseUnits(), accountLeft, allowedNow,
                    "amount " + amount + " exceeds the account's remaining 24 h allowance of " + accountLeft
                            + " (limit " + l.rolling24hAmountBaseUnits() + ")");
        }
        long integratorLeft = IntMath.remaining(l.integratorDailyVolumeBaseUnits(), request.integratorDailyVolumeBaseUnits());
        if (amount > integratorLeft) {
            return refused(version, LimitName.INTEGRATOR_DAILY_VOLUME, l.integratorDailyVolumeBaseUnits(), integratorLeft,
                    allowedNow, "amount " + amount + " exceeds the integrator's remaining daily volume of "
                            + integratorLeft + " (limit " + l.integratorDailyVolumeBaseUnits() + ")");
        }
        // Passed: amount <= every remaining allowance, so the additions below cannot overflow.
        long next = maxAllowed(l, request.account24hAmountBaseUnits() + amount, request.account24hCount() + 1,
                request.integratorDailyVolumeBaseUnits() + amount);
        return new LimitOutcome.Allowed(version, next);
    }

    private static LimitOutcome.Refused unverified(long version, VerificationLevel level) {
        return new LimitOutcome.Refused(version, RiskRefusalCode.VERIFICATION_REQUIRED, LimitName.VERIFICATION_LEVEL, 0, 0, 0,
                "verification level " + level + " cannot cash out; verify the account first");
    }

    private static Optional<LimitOutcome.Refused> amountRefusal(long version, LevelLimits l, long amount, long allowedNow) {
        if (amount < l.minPerCashoutBaseUnits()) {
            return Optional.of(refused(version, LimitName.PER_CASHOUT_MIN, l.minPerCashoutBaseUnits(), 0, allowedNow,
                    "amount " + amount + " is below the minimum cash-out of " + l.minPerCashoutBaseUnits()));
        }
        if (amount > l.maxPerCashoutBaseUnits()) {
            return Optional.of(refused(version, LimitName.PER_CASHOUT_MAX, l.maxPerCashoutBaseUnits(), l.maxPerCashoutBaseUnits(),
                    allowedNow, "amount " + amount + " is above the maximum cash-out of " + l.maxPerCashoutBaseUnits()));
        }
        return Optional.empty();
    }

    /** Largest gross that passes every limit given the used totals; 0 when none does. */
    static long maxAllowed(LevelLimits l, long account24hAmount, long account24hCount, long integratorVolume) {
        if (account24hCount >= l.rolling24hCount()) {
            return 0;
        }
        long best = Math.min(l.maxPerCashoutBaseUnits(),
                Math.min(IntMath.remaining(l.rolling24hAmountBaseUnits(), account24hAmount),
                        IntMath.remaining(l.integratorDailyVolumeBaseUnits(), integratorVolume)));
        return best < l.minPerCashoutBaseUnits() ? 0 : best;
    }

    private static LimitOutcome.Refused refused(long version, LimitName limit, long value, long headroom,
                                                long allowedNow, String detail) {
        return new LimitOutcome.Refused(version, RiskRefusalCode.LIMIT_EXCEEDED, limit, value, headroom, allowedNow, detail);
    }
}
