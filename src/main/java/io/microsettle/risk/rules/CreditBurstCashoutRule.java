package io.microsettle.risk.rules;

import io.microsettle.infra.IntMath;
import java.util.Optional;

/**
 * {@code credit_burst_cashout}: for a gross of at least {@code creditBurstMinAmountBaseUnits},
 * credits within the window amount to at least {@code creditBurstBps} of the gross
 * ({@code credited * 10000 >= bps * gross}, exact): money credited and cashed out at once is
 * how stolen integrator keys or fake credits get out.
 */
public final class CreditBurstCashoutRule implements AnomalyRule {

    @Override
    public HoldReason reason() {
        return HoldReason.CREDIT_BURST_CASHOUT;
    }

    @Override
    public Optional<HoldFinding> evaluate(AnomalyContext c, AnomalyThresholds t) {
        if (!t.creditBurstCanFire(c.amountBaseUnits())) {
            return Optional.empty();
        }
        if (IntMath.compareProducts(c.creditedWithinBurstWindowBaseUnits(), 10_000, t.creditBurstBps(),
                c.amountBaseUnits()) < 0) {
            return Optional.empty();
        }
        return Optional.of(HoldFinding.of(reason(),
                "accountId", c.accountId(),
                "amount", c.amountBaseUnits(),
                "creditedInWindow", c.creditedWithinBurstWindowBaseUnits(),
                "thresholdBps", t.creditBurstBps(),
                "windowMillis", t.creditBurstWindowMillis()));
    }
}
