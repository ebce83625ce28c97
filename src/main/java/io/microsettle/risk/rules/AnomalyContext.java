package io.microsettle.risk.rules;

import io.microsettle.infra.Addresses;
import java.util.List;
import java.util.Objects;

/**
 * The facts the anomaly rules look at, gathered by the service with a few queries. Windowed
 * aggregates must be computed over the windows in {@link AnomalyThresholds}.
 *
 * @param accountId                          for evidence only
 * @param amountBaseUnits                    gross of the requested cash-out (> 0)
 * @param destination                        payee address (0x-hex, any case)
 * @param nowEpochMillis                     the request's time
 * @param walletBoundAtEpochMillis           when the account's current wallet was bound
 * @param pastCashoutAmountsBaseUnits        grosses of the account's earlier cash-outs (most recent first,
 *                                           at most {@link AnomalyThresholds#MAX_HISTORY_SIZE}; REJECTED and
 *                                           FAILED excluded)
 * @param otherAccountsToDestination         distinct OTHER accounts that cashed out to this destination within
 *                                           {@code sharedDestinationWindowMillis} (across integrators)
 * @param creditedWithinBurstWindowBaseUnits sum of credits to this account within {@code creditBurstWindowMillis}
 */
public record AnomalyContext(
        String accountId,
        long amountBaseUnits,
        String destination,
        long nowEpochMillis,
        long walletBoundAtEpochMillis,
        List<Long> pastCashoutAmountsBaseUnits,
        int otherAccountsToDestination,
        long creditedWithinBurstWindowBaseUnits) {

    public AnomalyContext {
        Objects.requireNonNull(accountId, "accountId");
        if (amountBaseUnits <= 0) {
            throw new IllegalArgumentException("amountBaseUnits must be > 0, was " + amountBaseUnits);
        }
        if (nowEpochMillis < 0 || walletBoundAtEpochMillis < 0) {
            throw new IllegalArgumentException("times must be >= 0 epoch millis");
        }
        if (!Addresses.isAddress(destination)) {
            throw new IllegalArgumentException("destination is not a 0x-hex address: " + destination);
        }
        pastCashoutAmountsBaseUnits = List.copyOf(pastCashoutAmountsBaseUnits);
        if (pastCashoutAmountsBaseUnits.size() > AnomalyThresholds.MAX_HISTORY_SIZE) {
            throw new IllegalArgumentException("history longer than " + AnomalyThresholds.MAX_HISTORY_SIZE);
        }
        for (long past : pastCashoutAmountsBaseUnits) {
            if (past <= 0) {
                throw new IllegalArgumentException("past cash-out amounts must be > 0");
            }
        }
        if (otherAccountsToDestination < 0 || creditedWithinBurstWindowBaseUnits < 0) {
            throw new IllegalArgumentException("counts and sums must be >= 0");
        }
    }
}
