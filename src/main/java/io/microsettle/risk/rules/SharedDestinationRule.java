package io.microsettle.risk.rules;

import java.util.Optional;

/**
 * {@code shared_destination}: counting this account, at least
 * {@code sharedDestinationMinAccounts} distinct accounts cash out to the same destination
 * within the window: many accounts funnelling to one address looks like farming or mule
 * collection.
 */
public final class SharedDestinationRule implements AnomalyRule {

    @Override
    public HoldReason reason() {
        return HoldReason.SHARED_DESTINATION;
    }

    @Override
    public Optional<HoldFinding> evaluate(AnomalyContext c, AnomalyThresholds t) {
        long accounts = (long) c.otherAccountsToDestination() + 1;
        if (accounts < t.sharedDestinationMinAccounts()) {
            return Optional.empty();
        }
        return Optional.of(HoldFinding.of(reason(),
                "accountId", c.accountId(),
                "destination", c.destination(),
                "distinctAccounts", accounts,
                "minAccounts", t.sharedDestinationMinAccounts(),
                "windowMillis", t.sharedDestinationWindowMillis()));
    }
}
