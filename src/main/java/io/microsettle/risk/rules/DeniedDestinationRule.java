package io.microsettle.risk.rules;

import java.util.Optional;

/** {@code denied_destination}: the destination is on the configured deny list (case-insensitive). */
public final class DeniedDestinationRule implements AnomalyRule {

    @Override
    public HoldReason reason() {
        return HoldReason.DENIED_DESTINATION;
    }

    @Override
    public Optional<HoldFinding> evaluate(AnomalyContext c, AnomalyThresholds t) {
        if (!t.isDenied(c.destination())) {
            return Optional.empty();
        }
        return Optional.of(HoldFinding.of(reason(),
                "accountId", c.accountId(),
                "destination", c.destination(),
                "amount", c.amountBaseUnits()));
    }
}
