package io.microsettle.risk.rules;

import io.microsettle.account.VerificationLevel;

import java.util.Objects;

/**
 * The facts a limit check needs; the service gathers them in the cash-out's transaction.
 *
 * @param level                           the account's verification level
 * @param amountBaseUnits                 gross of the requested cash-out (> 0)
 * @param account24hAmountBaseUnits       gross of the account's cash-outs in the last 24 h, this one excluded
 *                                        (REJECTED and FAILED ones excluded)
 * @param account24hCount                 number of those cash-outs
 * @param integratorDailyVolumeBaseUnits  gross of the integrator's cash-outs in the current day, this one excluded
 */
public record LimitRequest(
        VerificationLevel level,
        long amountBaseUnits,
        long account24hAmountBaseUnits,
        int account24hCount,
        long integratorDailyVolumeBaseUnits) {

    public LimitRequest {
        Objects.requireNonNull(level, "level");
        if (amountBaseUnits <= 0) {
            throw new IllegalArgumentException("amountBaseUnits must be > 0, was " + amountBaseUnits);
        }
        if (account24hAmountBaseUnits < 0 || account24hCount < 0 || integratorDailyVolumeBaseUnits < 0) {
            throw new IllegalArgumentException("rolling totals must be >= 0");
        }
    }
}
