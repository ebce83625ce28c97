package io.microsettle.risk.rules;

import io.microsettle.infra.IntMath;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * {@code amount_above_history}: with at least {@code historyMinSize} past cash-outs, a gross
 * of at least {@code historyMinAmountBaseUnits} and strictly above
 * {@code historyMultiplierPercent}% of the reference (P90 nearest-rank, or MAX) fires.
 * Compared exactly as {@code gross * 100 > percent * reference}.
 */
public final class AmountAboveHistoryRule implements AnomalyRule {

    @Override
    public HoldReason reason() {
        return HoldReason.AMOUNT_ABOVE_HISTORY;
    }

    @Override
    public Optional<HoldFinding> evaluate(AnomalyContext c, AnomalyThresholds t) {
        List<Long> history = c.pastCashoutAmountsBaseUnits();
        if (history.size() < t.historyMinSize() || !t.historyCanFire(c.amountBaseUnits())) {
            return Optional.empty();
        }
        long[] sorted = history.stream().mapToLong(Long::longValue).sorted().toArray();
        long p90 = p90(sorted);
        long max = sorted[sorted.length - 1];
        long reference = t.historyReference() == HistoryReference.P90 ? p90 : max;
        if (IntMath.compareProducts(c.amountBaseUnits(), 100, t.historyMultiplierPercent(), reference) <= 0) {
            return Optional.empty();
        }
        return Optional.of(HoldFinding.of(reason(),
                "accountId", c.accountId(),
                "amount", c.amountBaseUnits(),
                "reference", t.historyReference().name(),
                "referenceAmount", reference,
                "multiplierPercent", t.historyMultiplierPercent(),
                "historySize", sorted.length,
                "historyP90", p90,
                "historyMax", max));
    }

    /** Nearest-rank 90th percentile of ascending values: rank ceil(0.9 n), 1-based. */
    static long p90(long[] ascending) {
        if (ascending.length == 0) {
            throw new IllegalArgumentException("empty history");
        }
        int rank = (int) ((90L * ascending.length + 99) / 100);
        return ascending[rank - 1];
    }

    static long p90(List<Long> values) {
        long[] a = values.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(a);
        return p90(a);
    }
}
