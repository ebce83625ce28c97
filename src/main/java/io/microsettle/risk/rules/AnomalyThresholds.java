package io.microsettle.risk.rules;

import io.microsettle.infra.Addresses;
import io.microsettle.infra.RuleConfigException;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Thresholds of the anomaly rules (configuration). Integers only: multipliers in percent,
 * shares in basis points, windows in milliseconds.
 *
 * @param newWalletWindowMillis            new_wallet_large_amount: a wallet bound less than this long ago is new
 * @param largeAmountBaseUnits             new_wallet_large_amount: a gross at or above this is large
 * @param historyReference                 amount_above_history: P90 or MAX of past cash-outs
 * @param historyMultiplierPercent         amount_above_history: hold when gross * 100 > this * reference (500 = 5x)
 * @param historyMinSize                   amount_above_history: fewer past cash-outs than this never fire
 * @param historyMinAmountBaseUnits        amount_above_history: grosses below this never fire (small jumps are noise)
 * @param sharedDestinationMinAccounts     shared_destination: hold when this many distinct accounts, this one
 *                                         included, cash out to the destination within the window
 * @param sharedDestinationWindowMillis    shared_destination: the window the service counts accounts over
 * @param creditBurstBps                   credit_burst_cashout: hold when credits in the window >= this share of the gross
 * @param creditBurstWindowMillis          credit_burst_cashout: the window the service sums credits over
 * @param creditBurstMinAmountBaseUnits    credit_burst_cashout: grosses below this never fire
 * @param deniedDestinations               denied_destination: 0x addresses, any case; stored lowercase
 */
public record AnomalyThresholds(
        long newWalletWindowMillis,
        long largeAmountBaseUnits,
        HistoryReference historyReference,
        int historyMultiplierPercent,
        int historyMinSize,
        long historyMinAmountBaseUnits,
        int sharedDestinationMinAccounts,
        long sharedDestinationWindowMillis,
        int creditBurstBps,
        long creditBurstWindowMillis,
        long creditBurstMinAmountBaseUnits,
        Set<String> deniedDestinations) {

    public static final long MAX_WINDOW_MILLIS = 30L * 24 * 60 * 60 * 1000;
    /** Longest history the service passes (and the rule reads). */
    public static final int MAX_HISTORY_SIZE = 1_000;
    public static final int MAX_DENIED_DESTINATIONS = 100_000;
    public static final int MAX_MULTIPLIER_PERCENT = 100_000;
    public static final int MAX_SHARED_DESTINATION_ACCOUNTS = 10_000;

    public AnomalyThresholds {
        RuleConfigException.requireRange("newWalletWindowMillis", newWalletWindowMillis, 1, MAX_WINDOW_MILLIS);
        RuleConfigException.requireRange("largeAmountBaseUnits", largeAmountBaseUnits, 1, Long.MAX_VALUE);
        RuleConfigException.requireNonNull("historyReference", historyReference);
        // Below 100 % every ordinary cash-out would be "above history".
        RuleConfigException.requireRange("historyMultiplierPercent", historyMultiplierPercent, 100, MAX_MULTIPLIER_PERCENT);
        RuleConfigException.requireRange("historyMinSize", historyMinSize, 1, MAX_HISTORY_SIZE);
        RuleConfigException.requireRange("historyMinAmountBaseUnits", historyMinAmountBaseUnits, 0, Long.MAX_VALUE);
        // One account alone is not "shared".
        RuleConfigException.requireRange("sharedDestinationMinAccounts", sharedDestinationMinAccounts, 2,
                MAX_SHARED_DESTINATION_ACCOUNTS);
        RuleConfigException.requireRange("sharedDestinationWindowMillis", sharedDestinationWindowMillis, 1, MAX_WINDOW_MILLIS);
        RuleConfigException.requireRange("creditBurstBps", creditBurstBps, 1, 10_000);
        RuleConfigException.requireRange("creditBurstWindowMillis", creditBurstWindowMillis, 1, MAX_WINDOW_MILLIS);
        RuleConfigException.requireRange("creditBurstMinAmountBaseUnits", creditBurstMinAmountBaseUnits, 0, Long.MAX_VALUE);
        RuleConfigException.requireNonNull("deniedDestinations", deniedDestinations);
        if (deniedDestinations.size() > MAX_DENIED_DESTINATIONS) {
            throw new RuleConfigException("deniedDestinations", "at most " + MAX_DENIED_DESTINATIONS + " entries, was "
                    + deniedDestinations.size());
        }
        LinkedHashSet<String> normalized = new LinkedHashSet<>();
        int i = 0;
        for (String d : deniedDestinations) {
            if (!Addresses.isAddress(d)) {
                throw new RuleConfigException("deniedDestinations[" + i + "]", "not a 0x-hex address: " + d);
            }
            normalized.add(Addresses.lowercase(d));
            i++;
        }
        deniedDestinations = Collections.unmodifiableSet(normalized);
    }

    /** Whether amount_above_history can fire for this gross; below its minimum the history need not be read. */
    public boolean historyCanFire(long grossBaseUnits) {
        return grossBaseUnits >= historyMinAmountBaseUnits;
    }

    /** Whether credit_burst_cashout can fire for this gross; below its minimum the credits need not be summed. */
    public boolean creditBurstCanFire(long grossBaseUnits) {
        return grossBaseUnits >= creditBurstMinAmountBaseUnits;
    }

    public boolean isDenied(String destination) {
        return Addresses.isAddress(destination) && deniedDestinations.contains(Addresses.lowercase(destination));
    }
}
