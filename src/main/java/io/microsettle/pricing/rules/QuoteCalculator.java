package io.microsettle.pricing.rules;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * Prices a cash-out: {@code gross -> serviceFee + networkFee = fee, net = gross - fee}.
 *
 * <p>Rounding: the service fee rounds UP to the base unit then is clamped to the schedule's
 * min/max; the network share rounds UP once (see {@link NetworkFeeEstimator}); the net is the
 * exact remainder, so {@code net + fee == gross} always and rounding only ever favours the
 * service. A net below the schedule's minimum payout is refused ({@code amount_too_small}),
 * naming the smallest gross that would price.
 *
 * <p>Monotone: with bps <= 10000 the service fee grows by at most 1 when the gross grows by
 * 1, so the net never decreases as the gross grows (this is what makes the minimum-gross
 * search exact); with non-increasing tier bps the fee never grows with the 30-day volume.
 */
public final class QuoteCalculator {

    private final FeeSchedule schedule;

    public QuoteCalculator(FeeSchedule schedule) {
        this.schedule = Objects.requireNonNull(schedule, "schedule");
    }

    public FeeSchedule schedule() {
        return schedule;
    }

    public QuoteOutcome price(QuoteRequest request) {
        Objects.requireNonNull(request, "request");
        long gross = request.grossBaseUnits();
        if (gross <= 0) {
            return new QuoteOutcome.Refused(QuoteRefusalCode.INVALID_AMOUNT,
                    "amount must be a positive number of base units, was " + gross, OptionalLong.empty());
        }
        FeeTier tier = schedule.tierFor(request.level(), request.rolling30dVolumeBaseUnits()).orElse(null);
        if (tier == null) {
            return new QuoteOutcome.Refused(QuoteRefusalCode.VERIFICATION_REQUIRED,
                    "verification level " + request.level() + " cannot cash out; verify the account first",
                    OptionalLong.empty());
        }
        NetworkFeeEstimate network = NetworkFeeEstimator.estimate(request.gasInputs());
        long networkFee = network.networkFeeBaseUnits();
        long serviceFee = schedule.serviceFeeBaseUnits(tier.serviceFeeBps(), gross);

        if (!netAtLeast(gross, serviceFee, networkFee, schedule.minPayoutBaseUnits())) {
            OptionalLong min = minimumGrossBaseUnits(tier.serviceFeeBps(), networkFee);
            return new QuoteOutcome.Refused(QuoteRefusalCode.AMOUNT_TOO_SMALL,
                    "amount " + gross + " minus fees (service " + serviceFee + ", network " + networkFee
                            + ") is below the minimum payout of " + schedule.minPayoutBaseUnits()
                            + (min.isPresent() ? "; the smallest amount that can be cashed out now is "
                            + min.getAsLong() : "; no amount can be cashed out at the current fees"),
                    min);
        }
        long fee = serviceFee + networkFee; // no overflow: both <= gross here
        long net = gross - fee;
        return new QuoteOutcome.Priced(gross, serviceFee, networkFee, fee, net, schedule.version(),
                tier.serviceFeeBps(), tier.fromVolumeBaseUnits(), network);
    }

    /** gross - service - network >= minPayout, without overflow. */
    private static boolean netAtLeast(long gross, long serviceFee, long networkFee, long minPayout) {
        if (networkFee > Long.MAX_VALUE - minPayout) {
            return false; // minPayout + network exceeds any long gross
        }
        // gross >= 1 and serviceFee >= 0, so gross - serviceFee cannot overflow.
        return gross - serviceFee >= minPayout + networkFee;
    }

    /**
     * The smallest gross whose net reaches the minimum payout at this rate and network fee;
     * empty when none does. Binary search, valid because the net is non-decreasing in gross.
     */
    public OptionalLong minimumGrossBaseUnits(int serviceFeeBps, long networkFeeBaseUnits) {
        long minPayout = schedule.minPayoutBaseUnits();
        long hi = Long.MAX_VALUE;
        if (!netAtLeast(hi, schedule.serviceFeeBaseUnits(serviceFeeBps, hi), networkFeeBaseUnits, minPayout)) {
            return OptionalLong.empty();
        }
        long lo = 1; // invariant: answer in [lo, hi]
        while (lo < hi) {
            long mid = lo + (hi - lo) / 2;
            if (netAtLeast(mid, schedule.serviceFeeBaseUnits(serviceFeeBps, mid), networkFeeBaseUnits, minPayout)) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return OptionalLong.of(lo);
    }
}
